"""Assignments: a task's units, their progress, and the review of a completion."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import CurrentPrincipal, Staff, StaffWriter
from dudao_shared.clock import IsoDate, Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.sheet_jobs import JOB_ANSWER
from dudao_shared.sheets import (
    CSV_TYPE,
    XLSX_TYPE,
    ImportSummary,
    SheetFormat,
    download,
)
from dudao_shared.versioning import IfMatchVersion, require_version, set_etag

from ..items.dependencies import ReadableTask, WritableTask
from ..items.service import TaskNotFound
from ..models.sheet_job import SheetImport
from ..plans.dependencies import ReadablePlan, WritablePlan
from ..plans.service import PlanNotFound
from . import service, sheet
from .dependencies import (
    AcknowledgeableAssignment,
    AssignmentUpdateTarget,
    NewAssignment,
    OwnAssignments,
    ReadableAssignment,
    VisibleAssignments,
    WritableAssignment,
)
from .schemas import AssignmentRead, AssignmentUpdate, ReviewDecision
from .service import (
    AlreadyAcknowledged,
    AssignmentExists,
    AssignmentLocked,
    AssignmentNotFound,
    FieldForbidden,
    LeadRequired,
    NotAwaitingReview,
)

router = APIRouter(tags=["assignments"])


@router.get(
    "/api/v1/tasks/{task_id}/assignments",
    response_model=Page[AssignmentRead],
    responses=problem_responses(TaskNotFound, ValidationFailed),
)
async def list_task_assignments(
    task: ReadableTask,
    visible: VisibleAssignments,
    session: SessionDep,
    today: Today,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AssignmentRead]:
    """任务的责任单位（牵头在前；单位令牌：本单位的，牵头单位可见全部）"""
    items, nxt = await service.list_for_task(
        session, task=task, visible=visible, today=today, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=nxt)


@router.post(
    "/api/v1/tasks/{task_id}/assignments",
    response_model=AssignmentRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        TaskNotFound, Forbidden, AssignmentExists, LeadRequired, ValidationFailed
    ),
)
async def create_task_assignment(
    principal: StaffWriter,
    task: WritableTask,
    body: NewAssignment,
    session: SessionDep,
    today: Today,
    response: Response,
) -> AssignmentRead:
    """为任务指定责任单位（牵头或配合；须先有牵头单位）"""
    row = await service.create_assignment(
        session, principal=principal, task=task, data=body, today=today
    )
    set_etag(response, row.version)
    return (await service.to_reads(session, [row], today))[0]


@router.get(
    "/api/v1/assignments",
    response_model=Page[AssignmentRead],
    responses=problem_responses(ValidationFailed),
)
async def list_assignments(
    own: OwnAssignments,
    session: SessionDep,
    today: Today,
    plan_id: uuid.UUID | None = Query(None, description="规划"),
    task_id: uuid.UUID | None = Query(None, description="任务"),
    unit_id: uuid.UUID | None = Query(None, description="单位（单位令牌始终为本单位）"),
    status_: str | None = Query(None, alias="status", max_length=20, description="状态"),
    role: str | None = Query(None, max_length=10, description="lead 或 co"),
    due_before: IsoDate | None = Query(None, description="最后完成时限不晚于"),
    due_after: IsoDate | None = Query(None, description="最后完成时限不早于"),
    order: str | None = Query(
        None, max_length=30, description="created_at、updated_at，前加 - 倒序"
    ),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AssignmentRead]:
    """任务分工列表（单位令牌只看到本单位的）"""
    items, nxt = await service.list_assignments(
        session,
        visible=own,
        today=today,
        plan_id=plan_id,
        task_id=task_id,
        unit_id=unit_id,
        status=status_,
        role=role,
        due_before=due_before,
        due_after=due_after,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.get(
    "/api/v1/assignments/{assignment_id}",
    response_model=AssignmentRead,
    responses=problem_responses(AssignmentNotFound),
)
async def get_assignment(
    assignment: ReadableAssignment, session: SessionDep, today: Today, response: Response
) -> AssignmentRead:
    """查看任务分工（含完成时限与亮灯）"""
    set_etag(response, assignment.version)
    return (await service.to_reads(session, [assignment], today))[0]


@router.patch(
    "/api/v1/assignments/{assignment_id}",
    response_model=AssignmentRead,
    responses=problem_responses(
        AssignmentNotFound,
        FieldForbidden,
        AssignmentLocked,
        LeadRequired,
        ValidationFailed,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def update_assignment(
    principal: CurrentPrincipal,
    target: AssignmentUpdateTarget,
    body: AssignmentUpdate,
    session: SessionDep,
    today: Today,
    response: Response,
    expected: IfMatchVersion,
) -> AssignmentRead:
    """更新任务分工：单位设置状态（completed 即提交审核）；规划人员调整牵头 / 配合"""
    require_version(target.version, expected)
    out = await service.update_assignment(
        session, principal=principal, target=target, data=body, today=today
    )
    set_etag(response, out.version)
    return out


@router.delete(
    "/api/v1/assignments/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(
        AssignmentNotFound, Forbidden, LeadRequired, PreconditionFailed, PreconditionRequired
    ),
)
async def delete_assignment(
    principal: StaffWriter,
    assignment: WritableAssignment,
    session: SessionDep,
    today: Today,
    expected: IfMatchVersion,
) -> Response:
    """取消任务分工"""
    require_version(assignment.version, expected)
    await service.delete_assignment(
        session, principal=principal, assignment=assignment, today=today
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/v1/assignments/{assignment_id}/review",
    response_model=AssignmentRead,
    responses=problem_responses(
        AssignmentNotFound,
        Forbidden,
        NotAwaitingReview,
        ValidationFailed,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def review_assignment(
    principal: StaffWriter,
    assignment: WritableAssignment,
    session: SessionDep,
    body: ReviewDecision,
    today: Today,
    response: Response,
    expected: IfMatchVersion,
) -> AssignmentRead:
    """审核单位提交的完成情况：通过或退回（退回须填写原因）"""
    require_version(assignment.version, expected)
    row = await service.review(
        session, principal=principal, assignment=assignment, data=body, today=today
    )
    set_etag(response, row.version)
    return (await service.to_reads(session, [row], today))[0]


_SHEET: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX_TYPE: {}, CSV_TYPE: {}}}}


@router.get(
    "/api/v1/plans/{plan_id}/tasks/template",
    response_class=Response,
    responses={**_SHEET, **problem_responses(PlanNotFound)},
)
async def task_template(_: Staff, plan: ReadablePlan, format: SheetFormat = "xlsx") -> Response:
    """任务分工导入模板（任务编号、名称、牵头与配合单位、完成时限）"""
    return download(sheet.KIND, format, f"任务分工导入模板-{plan.title}"[:80], [])


@router.get(
    "/api/v1/plans/{plan_id}/tasks/export",
    response_class=Response,
    responses={**_SHEET, **problem_responses(PlanNotFound)},
)
async def export_tasks(
    _: Staff, plan: ReadablePlan, session: SessionDep, format: SheetFormat = "xlsx"
) -> Response:
    """导出任务分工（与导入模板同一格式，改后可直接导入）"""
    rows = await sheet.rows_for(session, plan)
    return download(sheet.KIND, format, f"任务分工-{plan.title}"[:80], rows)


@router.post(
    "/api/v1/plans/{plan_id}/tasks/import",
    response_model=ImportSummary,
    responses={
        **problem_responses(PlanNotFound, Forbidden, ValidationFailed, UnsupportedMediaType),
        **JOB_ANSWER,
    },
)
async def import_tasks(
    principal: StaffWriter,
    plan: WritablePlan,
    imports: SheetImport,
) -> ImportSummary | JSONResponse:
    """按模板导入任务分工（默认仅预检；正式导入时任何一行有错则不写入，或选择只导入正确的行）。
    行数超过阈值的文件转为后台作业：返回 202 与作业，按 Location 查看进度与结果"""
    return await imports(principal, sheet.IMPORTER, params={"plan_id": str(plan.id)})


@router.post(
    "/api/v1/assignments/{assignment_id}/acknowledge",
    response_model=AssignmentRead,
    responses=problem_responses(AssignmentNotFound, Forbidden, AlreadyAcknowledged),
)
async def acknowledge_assignment(
    principal: CurrentPrincipal,
    assignment: AcknowledgeableAssignment,
    session: SessionDep,
    today: Today,
    response: Response,
) -> AssignmentRead:
    """签收任务（责任单位确认收到交办；只能签收一次）"""
    row = await service.acknowledge(session, principal=principal, assignment=assignment)
    set_etag(response, row.version)
    return (await service.to_reads(session, [row], today))[0]
