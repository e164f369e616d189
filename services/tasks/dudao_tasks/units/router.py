from __future__ import annotations

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import Staff, StaffWriter
from dudao_shared.clock import IsoDate, Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.regions import RegionQuery
from dudao_shared.sheet_jobs import JOB_ANSWER
from dudao_shared.sheets import (
    CSV_TYPE,
    XLSX_TYPE,
    ImportSummary,
    SheetFormat,
)
from dudao_shared.versioning import IfMatchVersion, require_version, set_etag

from ..models.sheet_job import SheetImport
from . import service, sheet
from .dependencies import (
    NewUnit,
    ReadableUnit,
    ReferencedUnit,
    ResolveNames,
    SuccessorUnit,
    UnitChanges,
    VisibleUnits,
    WritableUnit,
)
from .schemas import (
    ResolveResult,
    SuccessionRequest,
    SuccessionResult,
    UnitPlace,
    UnitRead,
)
from .service import UnitNameTaken, UnitNotFound

router = APIRouter(prefix="/api/v1/units", tags=["units"])
# For the other services only (the service credential is required on /internal).
internal = APIRouter(prefix="/internal/v1/units", tags=["internal"])


@router.get("", response_model=Page[UnitRead], responses=problem_responses(ValidationFailed))
async def list_units(
    visible: VisibleUnits,
    session: SessionDep,
    region_code: RegionQuery = None,
    q: str | None = Query(None, max_length=100, description="名称或别名包含"),
    active_on: IsoDate | None = Query(None, description="仅列出该日期有效的单位"),
    order: str | None = Query(
        None, max_length=30, description="排序：name、created_at、region_code"
    ),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UnitRead]:
    """单位列表（单位令牌只能看到本单位）"""
    items, nxt = await service.list_units(
        session,
        visible=visible,
        region_code=region_code,
        q=q,
        on=active_on,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.post(
    "",
    response_model=UnitRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(Forbidden, UnitNameTaken, ValidationFailed),
)
async def create_unit(
    principal: StaffWriter, body: NewUnit, session: SessionDep, response: Response
) -> UnitRead:
    """新建单位（可带别名）"""
    out = await service.create_unit(session, principal=principal, data=body)
    set_etag(response, out.version)
    return out


@router.post(
    "/resolve",
    response_model=ResolveResult,
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def resolve_units(session: SessionDep, body: ResolveNames, today: Today) -> ResolveResult:
    """批量解析单位名称（按名称或别名，未解析的不会自动创建）"""
    return await service.resolve_names(
        session, region_code=body.region_code, names=body.names, on=body.on or today
    )


@router.get(
    "/template",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}, CSV_TYPE: {}}}},
)
async def unit_template(
    _: Staff, session: SessionDep, region_code: RegionQuery = None, format: SheetFormat = "xlsx"
) -> Response:
    """单位名录导入模板（层级、区划为下拉列表）"""
    return sheet.download(
        sheet.KIND,
        format,
        "责任单位导入模板",
        [],
        choices=await sheet.choices(session, region_code),
    )


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}, CSV_TYPE: {}}}},
)
async def export_units(
    _: Staff, session: SessionDep, region_code: RegionQuery = None, format: SheetFormat = "xlsx"
) -> Response:
    """导出单位名录（与导入模板同一格式，改后可直接导入）"""
    rows = await sheet.rows_for(session, region_code=region_code)
    return sheet.download(
        sheet.KIND, format, "责任单位", rows, choices=await sheet.choices(session, region_code)
    )


@router.post(
    "/import",
    response_model=ImportSummary,
    responses={
        **problem_responses(Forbidden, ValidationFailed, UnsupportedMediaType),
        **JOB_ANSWER,
    },
)
async def import_units(
    principal: StaffWriter, imports: SheetImport
) -> ImportSummary | JSONResponse:
    """按模板导入单位名录（默认仅预检；正式导入时任何一行有错则不写入，或选择只导入正确的行）。
    行数超过阈值的文件转为后台作业：返回 202 与作业，按 Location 查看进度与结果"""
    return await imports(principal, sheet.IMPORTER)


@router.get("/{unit_id}", response_model=UnitRead, responses=problem_responses(UnitNotFound))
async def get_unit(unit: ReadableUnit, session: SessionDep, response: Response) -> UnitRead:
    """查看单位"""
    set_etag(response, unit.version)
    return (await service.read_many(session, [unit]))[0]


@router.patch(
    "/{unit_id}",
    response_model=UnitRead,
    responses=problem_responses(
        UnitNotFound,
        Forbidden,
        UnitNameTaken,
        ValidationFailed,
        PreconditionFailed,
        PreconditionRequired,
        Conflict,
    ),
)
async def update_unit(
    principal: StaffWriter,
    unit: WritableUnit,
    body: UnitChanges,
    session: SessionDep,
    response: Response,
    expected: IfMatchVersion,
) -> UnitRead:
    """修改单位（更名、合并时填写停用日期与承继单位）"""
    require_version(unit.version, expected)
    out = await service.update_unit(session, principal=principal, unit=unit, data=body)
    set_etag(response, out.version)
    return out


@router.post(
    "/{unit_id}/succession",
    response_model=SuccessionResult,
    responses=problem_responses(
        UnitNotFound, Forbidden, ValidationFailed, PreconditionFailed, PreconditionRequired
    ),
)
async def unit_succession(
    principal: StaffWriter,
    unit: WritableUnit,
    successor: SuccessorUnit,
    body: SuccessionRequest,
    session: SessionDep,
    response: Response,
    expected: IfMatchVersion,
) -> SuccessionResult:
    """单位停用并由承继单位承接：先预览未办结任务，确认后停用并移交（记入审计）"""
    require_version(unit.version, expected)
    out = await service.succession(
        session, principal=principal, unit=unit, successor=successor, data=body
    )
    set_etag(response, out.unit.version)
    return out


@internal.get(
    "/{unit_id}",
    response_model=UnitPlace,
    responses=problem_responses(UnitNotFound),
    include_in_schema=False,
)
async def unit_place(unit: ReferencedUnit) -> UnitPlace:
    """单位所在区划（供指标服务核对授权所指的单位）"""
    return UnitPlace.model_validate(unit)
