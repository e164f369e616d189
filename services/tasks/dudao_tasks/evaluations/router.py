"""Evaluations: create (a computed draft), list, preview, edit the narrative, recompute, issue;
render as .xlsx or PDF by a worker job (with progress) and download the rendered file."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.downloads import attachment
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.idempotency import IdempotencyKey, idempotent
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.regions import RegionQuery
from dudao_shared.versioning import IfMatchVersion, set_etag

from ..models import Evaluation, IdempotencyRecord
from . import renders, service
from .dependencies import (
    IndicatorsClient,
    NewEvaluation,
    ReadableEvaluation,
    ViewerUnit,
    VisibleEvaluations,
    WritableEvaluation,
)
from .schemas import (
    EvaluationData,
    EvaluationRead,
    EvaluationSummary,
    EvaluationUpdate,
    RenderFormat,
    RenderRead,
)

router = APIRouter(prefix="/api/v1/evaluations", tags=["evaluations"])
_WRITE_ERRORS = problem_responses(
    NotFound, Forbidden, Conflict, PreconditionFailed, PreconditionRequired, ValidationFailed
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _read(ev: Evaluation, unit: uuid.UUID | None) -> EvaluationRead:
    read = EvaluationRead.model_validate(ev, from_attributes=True)
    if unit is not None:
        read.data = EvaluationData.model_validate(service.for_unit(ev.data, unit))
    return read


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=EvaluationRead, responses=_WRITE_ERRORS
)
async def create_evaluation(
    new: NewEvaluation,
    session: SessionDep,
    principal: CurrentPrincipal,
    client: IndicatorsClient,
    response: Response,
    today: Today,
    idempotency_key: IdempotencyKey = None,
) -> EvaluationRead | JSONResponse:
    """新建评估（草稿，立即按规划、任务与指标数据计算；支持 Idempotency-Key）"""
    body, region_code, plan = new

    async def run() -> EvaluationRead:
        ev = await service.create(
            session,
            principal=principal,
            body=body,
            region_code=region_code,
            plan=plan,
            today=today,
            client=client,
        )
        set_etag(response, ev.version)
        return _read(ev, None)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope=f"evaluation:{plan.id if plan else region_code}",
        body=body,
        response=response,
        status_code=201,
        run=run,
    )


@router.get(
    "", response_model=Page[EvaluationSummary], responses=problem_responses(ValidationFailed)
)
async def list_evaluations(
    visible: VisibleEvaluations,
    session: SessionDep,
    plan_id: uuid.UUID | None = Query(None, description="规划"),
    region_code: RegionQuery = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EvaluationSummary]:
    """评估列表（评估基准日新的在前；单位只见已签发且含本单位的评估）"""
    rows, nxt = await service.list_(
        session,
        visible=visible,
        plan_id=plan_id,
        region_code=region_code,
        limit=limit,
        cursor=cursor,
    )
    return Page(
        items=[EvaluationSummary.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=nxt,
    )


@router.get(
    "/{evaluation_id}", response_model=EvaluationRead, responses=problem_responses(NotFound)
)
async def get_evaluation(
    ev: ReadableEvaluation, unit: ViewerUnit, response: Response
) -> EvaluationRead:
    """预览评估（单位只见本单位一行）"""
    set_etag(response, ev.version)
    return _read(ev, unit)


@router.patch("/{evaluation_id}", response_model=EvaluationRead, responses=_WRITE_ERRORS)
async def update_evaluation(
    ev: WritableEvaluation,
    body: EvaluationUpdate,
    expected: IfMatchVersion,
    session: SessionDep,
    response: Response,
) -> EvaluationRead:
    """修改标题或报告正文（仅草稿；需 If-Match）"""
    await service.update(session, ev, body, expected=expected)
    set_etag(response, ev.version)
    return _read(ev, None)


@router.post("/{evaluation_id}/recompute", response_model=EvaluationRead, responses=_WRITE_ERRORS)
async def recompute_evaluation(
    ev: WritableEvaluation,
    expected: IfMatchVersion,
    session: SessionDep,
    client: IndicatorsClient,
    response: Response,
) -> EvaluationRead:
    """按当前数据重新计算草稿（已改过的正文保留；需 If-Match）"""
    await service.recompute(session, ev, client, expected=expected)
    set_etag(response, ev.version)
    return _read(ev, None)


@router.post("/{evaluation_id}/issue", response_model=EvaluationRead, responses=_WRITE_ERRORS)
async def issue_evaluation(
    ev: WritableEvaluation,
    principal: CurrentPrincipal,
    expected: IfMatchVersion,
    session: SessionDep,
    response: Response,
) -> EvaluationRead:
    """签发评估：此后数据与正文不再改变（需 If-Match）；同时排队生成 PDF 与 Excel 文件"""
    await renders.issue(session, ev, principal, expected=expected)
    set_etag(response, ev.version)
    return _read(ev, None)


def _attachment(ev: Evaluation, suffix: str) -> dict[str, str]:
    return attachment(f"{ev.title[:80]}{suffix}", fallback=f"evaluation{suffix}")


_RENDER_FORMAT = Path(description="文件格式：pdf 或 xlsx")


@router.post(
    "/{evaluation_id}/render/{format}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RenderRead,
    responses=problem_responses(NotFound, ValidationFailed),
)
async def start_render(
    ev: ReadableEvaluation,
    unit: ViewerUnit,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    format: Annotated[RenderFormat, _RENDER_FORMAT],
) -> RenderRead:
    """生成评估文件（后台作业；返回生成状态，完成后从下载地址取文件；已生成或生成中则不重复生成）"""
    r = await renders.start(session, ev, format, unit, principal)
    response.headers["Location"] = f"/api/v1/evaluations/{ev.id}/render/{format}"
    return renders.read(r, ev)


@router.get(
    "/{evaluation_id}/render/{format}",
    response_model=RenderRead,
    responses=problem_responses(NotFound, ValidationFailed),
)
async def get_render(
    ev: ReadableEvaluation,
    unit: ViewerUnit,
    session: SessionDep,
    format: Annotated[RenderFormat, _RENDER_FORMAT],
) -> RenderRead:
    """评估文件的生成状态与进度"""
    r = await renders.latest(session, ev, format, unit)
    if r is None:
        raise renders.RenderNotFound("尚未生成该格式的文件")
    return renders.read(r, ev)


@router.get(
    "/{evaluation_id}/evaluation.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "评估表格（.xlsx，每部分一个工作表）"},
        **problem_responses(NotFound, Conflict),
    },
)
async def download_xlsx(ev: ReadableEvaluation, unit: ViewerUnit, session: SessionDep) -> Response:
    """下载已生成的评估表格（.xlsx；未生成或生成中为 409）"""
    body = renders.stored(await renders.latest(session, ev, "xlsx", unit), ev)
    return Response(body, media_type=XLSX, headers=_attachment(ev, ".xlsx"))


@router.get(
    "/{evaluation_id}/evaluation.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "评估报告（A4 PDF）"},
        **problem_responses(NotFound, Conflict),
    },
)
async def download_pdf(ev: ReadableEvaluation, unit: ViewerUnit, session: SessionDep) -> Response:
    """下载已生成的评估报告（A4 PDF，含封面、表格与图表；未生成或生成中为 409）"""
    body = renders.stored(await renders.latest(session, ev, "pdf", unit), ev)
    return Response(body, media_type="application/pdf", headers=_attachment(ev, ".pdf"))
