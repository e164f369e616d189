from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import Staff, StaffWriter
from dudao_shared.db import SessionDep
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
from . import service, sheet
from .dependencies import NewTarget, ReadableTarget, SheetPlan, TargetsIndicator, WritableTarget
from .schemas import TargetRead, TargetUpdate

router = APIRouter(prefix="/api/v1/targets", tags=["targets"])
_SHEET: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX_TYPE: {}, CSV_TYPE: {}}}}


@router.get("/template", response_class=Response, responses=_SHEET)
async def target_template(_: Staff, plan: SheetPlan, format: SheetFormat = "xlsx") -> Response:
    """指标目标导入模板（含分年度目标）"""
    return download(sheet.KIND, format, "指标目标导入模板", [], choices=sheet.CHOICES)


@router.get("/export", response_class=Response, responses=_SHEET)
async def export_targets(
    _: Staff, plan: SheetPlan, session: SessionDep, format: SheetFormat = "xlsx"
) -> Response:
    """导出规划的指标目标（与导入模板同一格式，改后可直接导入）"""
    rows = await sheet.rows_for(session, plan)
    return download(sheet.KIND, format, "指标目标", rows, choices=sheet.CHOICES)


@router.post("/import", response_model=ImportSummary, responses=JOB_ANSWER)
async def import_targets(
    # The file's query parameters come before the plan's in this service's API description.
    imports: SheetImport,
    principal: StaffWriter,
    plan: SheetPlan,
) -> ImportSummary | JSONResponse:
    """按模板导入指标目标（默认仅预检；正式导入时任何一行有错则不写入，或选择只导入正确的行）。
    行数超过阈值的文件转为后台作业：返回 202 与作业，按 Location 查看进度与结果"""
    return await imports(principal, sheet.IMPORTER, params={"plan_id": plan})


@router.get("", response_model=Page[TargetRead], responses=problem_responses(NotFound))
async def list_targets(
    ind: TargetsIndicator, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[TargetRead]:
    """某指标的目标（全部范围）"""
    rows, nxt = await service.list_(session, indicator_id=ind.id, limit=limit, cursor=cursor)
    return Page(items=[TargetRead.of(t) for t in rows], next_cursor=nxt)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TargetRead,
    responses=problem_responses(NotFound, Forbidden, Conflict, ValidationFailed),
)
async def create_target(
    new: NewTarget,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TargetRead | JSONResponse:
    """新建目标（支持 Idempotency-Key）"""
    data, ind = new

    async def run() -> TargetRead:
        t = await service.create(session, indicator=ind, data=data)
        set_etag(response, t.version)
        return TargetRead.of(t)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope="targets.create",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


@router.get("/{target_id}", response_model=TargetRead, responses=problem_responses(NotFound))
async def get_target(loaded: ReadableTarget, response: Response) -> TargetRead:
    """查看目标"""
    t, _ = loaded
    set_etag(response, t.version)
    return TargetRead.of(t)


@router.patch(
    "/{target_id}",
    response_model=TargetRead,
    responses=problem_responses(
        NotFound, Forbidden, PreconditionFailed, PreconditionRequired, ValidationFailed
    ),
)
async def update_target(
    loaded: WritableTarget,
    data: TargetUpdate,
    session: SessionDep,
    response: Response,
    expected: IfMatchVersion,
) -> TargetRead:
    """修改目标（需 If-Match）"""
    t, ind = loaded
    t = await service.update(session, target=t, indicator=ind, data=data, expected=expected)
    set_etag(response, t.version)
    return TargetRead.of(t)


@router.delete(
    "/{target_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(NotFound, Forbidden, PreconditionFailed, PreconditionRequired),
)
async def delete_target(
    loaded: WritableTarget, session: SessionDep, expected: IfMatchVersion
) -> None:
    """删除目标（需 If-Match）"""
    t, ind = loaded
    await service.delete(session, target=t, indicator=ind, expected=expected)
