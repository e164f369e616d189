from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.idempotency import IdempotencyKey, idempotent
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.regions import RegionQuery
from dudao_shared.sheet_jobs import JOB_ANSWER
from dudao_shared.sheets import (
    CSV_TYPE,
    XLSX_TYPE,
    ImportSummary,
    SheetFormat,
    download,
)
from dudao_shared.versioning import IfMatchVersion, set_etag

from ..models import IdempotencyRecord
from ..models.sheet_job import SheetImport
from ..periods import PERIOD_PATTERN
from ..plans import TasksClient
from . import service, sheet
from .dependencies import (
    ApprovableMeasurement,
    LatestIndicator,
    MeasurementPairs,
    NewMeasurement,
    ReadableMeasurement,
    RegionInReach,
    ReportableMeasurement,
    Reporter,
    SheetPlan,
    WithinInReach,
)
from .schemas import (
    CorrectionRead,
    LatestValue,
    LatestValues,
    MeasurementRead,
    MeasurementUpdate,
)

router = APIRouter(prefix="/api/v1/measurements", tags=["measurements"])
_WRITE_ERRORS = problem_responses(
    NotFound, Forbidden, Conflict, PreconditionFailed, PreconditionRequired, ValidationFailed
)


def _read(m: object) -> MeasurementRead:
    return MeasurementRead.model_validate(m, from_attributes=True)


@router.get("", response_model=Page[MeasurementRead])
async def list_measurements(
    session: SessionDep,
    pairs: MeasurementPairs,
    within_region: WithinInReach,
    indicator_id: Annotated[str | None, Query(max_length=36)] = None,
    region_code: RegionQuery = None,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    status_: Annotated[
        Literal["draft", "submitted", "approved"] | None, Query(alias="status")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MeasurementRead]:
    """监测值列表（新统计期在前）"""
    rows, nxt = await service.list_(
        session,
        indicator_id=indicator_id,
        region_code=region_code,
        within_region=within_region,
        period=period,
        status=status_,
        pairs=pairs,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[_read(r) for r in rows], next_cursor=nxt)


@router.get("/latest", response_model=LatestValues, responses=problem_responses(NotFound))
async def latest_values(
    ind: LatestIndicator,
    session: SessionDep,
    pairs: MeasurementPairs,
    region_code: RegionInReach,
) -> LatestValues:
    """某指标各区划的最新监测值（可限定在某区划之内）"""
    rows = await service.latest_by_region(
        session, indicator_id=ind.id, within_region=region_code, pairs=pairs
    )
    return LatestValues(
        indicator_id=ind.id,
        items=[
            LatestValue(region_code=r, measurement_id=i, period=p, value=v, status=s)  # type: ignore[arg-type]
            for r, i, p, v, s in rows
        ],
    )


@router.get(
    "/template",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}, CSV_TYPE: {}}}, **problem_responses(NotFound)},
)
async def measurement_template(
    plan: SheetPlan,
    session: SessionDep,
    principal: CurrentPrincipal,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="统计期")],
    region_code: RegionQuery = None,
    format: SheetFormat = "xlsx",
) -> Response:
    """监测值填报模板（按规划 × 区划 × 统计期预填本人可填报的指标，含已填数值）"""
    rows = await sheet.template_rows(
        session, principal, plan_id=plan, region_code=region_code, period=period
    )
    return download(
        sheet.KIND, format, f"监测值填报模板-{period}", rows, choices={"yes_no": list(sheet.YES_NO)}
    )


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}, CSV_TYPE: {}}}, **problem_responses(NotFound)},
)
async def export_measurements(
    plan: SheetPlan,
    session: SessionDep,
    principal: CurrentPrincipal,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN, description="统计期")] = None,
    region_code: RegionQuery = None,
    format: SheetFormat = "xlsx",
) -> Response:
    """导出监测值（与填报模板同一格式，改后可直接导入）"""
    rows = await sheet.export_rows(
        session, principal, plan_id=plan, region_code=region_code, period=period
    )
    return download(sheet.KIND, format, "监测值", rows, choices={"yes_no": list(sheet.YES_NO)})


@router.post(
    "/import",
    response_model=ImportSummary,
    responses={
        **problem_responses(NotFound, Forbidden, ValidationFailed, UnsupportedMediaType),
        **JOB_ANSWER,
    },
)
async def import_measurements(
    # The file's query parameters come before the plan's in this service's API description.
    imports: SheetImport,
    plan: SheetPlan,
    principal: Reporter,
) -> ImportSummary | JSONResponse:
    """按模板导入监测值（默认仅预检；正式导入时任何一行有错则不写入，或选择只导入正确的行）。
    行数超过阈值的文件转为后台作业：返回 202 与作业，按 Location 查看进度与结果"""
    return await imports(principal, sheet.IMPORTER, params={"plan_id": plan})


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=MeasurementRead, responses=_WRITE_ERRORS
)
async def create_measurement(
    new: NewMeasurement,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    today: Today,
    idempotency_key: IdempotencyKey = None,
) -> MeasurementRead | JSONResponse:
    """填报监测值（草稿或直接报送；支持 Idempotency-Key）。统计期须已开始且在规划年限内；
    同时填报分子分母时须能算出该值"""
    data, ind, years = new

    async def run() -> MeasurementRead:
        m = await service.create(
            session, principal=principal, indicator=ind, data=data, today=today, plan_years=years
        )
        set_etag(response, m.version)
        return _read(m)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope="measurements.create",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


@router.get(
    "/{measurement_id}", response_model=MeasurementRead, responses=problem_responses(NotFound)
)
async def get_measurement(loaded: ReadableMeasurement, response: Response) -> MeasurementRead:
    """查看监测值"""
    m, _ = loaded
    set_etag(response, m.version)
    return _read(m)


@router.patch("/{measurement_id}", response_model=MeasurementRead, responses=_WRITE_ERRORS)
async def update_measurement(
    loaded: ReportableMeasurement,
    data: MeasurementUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    expected: IfMatchVersion,
) -> MeasurementRead:
    """修改或更正监测值（需 If-Match；改数值须填 reason，旧值留存于更正记录）"""
    m, ind = loaded
    m = await service.update(
        session, principal=principal, indicator=ind, m=m, data=data, expected=expected
    )
    set_etag(response, m.version)
    return _read(m)


@router.post("/{measurement_id}/submit", response_model=MeasurementRead, responses=_WRITE_ERRORS)
async def submit_measurement(
    loaded: ReportableMeasurement,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    expected: IfMatchVersion,
) -> MeasurementRead:
    """报送草稿（需 If-Match；进度滞后须已填写说明）"""
    m, ind = loaded
    m = await service.submit(session, principal=principal, indicator=ind, m=m, expected=expected)
    set_etag(response, m.version)
    return _read(m)


@router.post("/{measurement_id}/approve", response_model=MeasurementRead, responses=_WRITE_ERRORS)
async def approve_measurement(
    loaded: ApprovableMeasurement,
    tasks: TasksClient,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    expected: IfMatchVersion,
) -> MeasurementRead:
    """审核通过已报送的监测值（规划人员；需 If-Match；审核人不能是填报或最后更正该值的人）"""
    m, ind = loaded
    m = await service.approve(
        session, principal=principal, indicator=ind, m=m, expected=expected, tasks=tasks
    )
    set_etag(response, m.version)
    return _read(m)


@router.get(
    "/{measurement_id}/corrections",
    response_model=Page[CorrectionRead],
    responses=problem_responses(NotFound),
)
async def list_corrections(
    loaded: ReadableMeasurement, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[CorrectionRead]:
    """监测值的更正记录（旧值与原因）"""
    m, _ = loaded
    rows, nxt = await service.corrections(session, m=m, limit=limit, cursor=cursor)
    return Page(
        items=[CorrectionRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=nxt,
    )
