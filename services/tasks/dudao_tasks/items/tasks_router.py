"""Tasks: the actionable items of a plan, with their units, reports and audit trail."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from dudao_shared.api import Cursor, Limit, Page, set_etag
from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses

from ..assignments import service as assignments_service
from ..assignments.dependencies import unit_can_see_assignment
from ..assignments.models import Assignment
from ..assignments.schemas import AssignmentCreate, AssignmentRead
from ..assignments.service import AssignmentExists, LeadRequired
from ..audit import service as audit_service
from ..audit.schemas import AuditEventRead
from ..common.access import require_region, unit_scope
from ..common.time import Today
from ..plans.models import Plan
from ..reports import service as reports_service
from ..reports.models import ProgressReport
from ..reports.schemas import ReportRead
from .dependencies import ReadableTask
from .schemas import TaskRead
from .service import TaskNotFound

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])



@router.get("/{task_id}", response_model=TaskRead, responses=problem_responses(TaskNotFound))
async def get_task(task: ReadableTask, response: Response) -> TaskRead:
    """查看任务（单行，一次查询）"""
    set_etag(response, task.version)
    return TaskRead.model_validate(task)


@router.get(
    "/{task_id}/assignments",
    response_model=list[AssignmentRead],
    responses=problem_responses(TaskNotFound),
)
async def list_task_assignments(
    task: ReadableTask, principal: CurrentPrincipal, session: SessionDep, today: Today
) -> list[AssignmentRead]:
    """任务的责任单位（单位令牌：本单位的；牵头单位可见全部）"""
    stmt = select(Assignment).where(Assignment.item_id == task.id)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(unit_can_see_assignment(unit))
    rows = (await session.execute(
        stmt.order_by(Assignment.role.desc(), Assignment.created_at, Assignment.id)  # type: ignore[attr-defined]
    )).scalars().all()
    return await assignments_service.to_reads(session, rows, today)


@router.post(
    "/{task_id}/assignments",
    response_model=AssignmentRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(TaskNotFound, Forbidden, AssignmentExists, LeadRequired,
                                ValidationFailed),
)
async def create_task_assignment(
    principal: StaffWriter, task: ReadableTask, session: SessionDep, body: AssignmentCreate,
    today: Today, response: Response,
) -> AssignmentRead:
    """为任务指定责任单位（牵头或配合；须先有牵头单位）"""
    plan = await session.get(Plan, task.plan_id)
    require_region(principal, plan.region_code if plan else None)
    row = await assignments_service.create_assignment(session, principal=principal, task=task,
                                                      data=body)
    set_etag(response, row.version)
    return (await assignments_service.to_reads(session, [row], today))[0]


@router.get(
    "/{task_id}/reports",
    response_model=Page[ReportRead],
    responses=problem_responses(TaskNotFound, ValidationFailed),
)
async def list_task_reports(
    task: ReadableTask,
    principal: CurrentPrincipal,
    session: SessionDep,
    order: str | None = Query(None, max_length=30, description="created_at、reported_on，前加 - 倒序"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReportRead]:
    """任务的进展报告（配合单位的报告牵头单位可见）"""
    items, nxt = await reports_service.list_reports(
        session, principal=principal, where=ProgressReport.item_id == task.id, order=order, limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.get(
    "/{task_id}/audit_events",
    response_model=list[AuditEventRead],
    responses=problem_responses(TaskNotFound),
)
async def list_task_audit(
    task: ReadableTask, principal: CurrentPrincipal, session: SessionDep
) -> list[AuditEventRead]:
    """任务的变更记录（谁、哪个单位、何时、变更前后）"""
    visible = None
    unit = unit_scope(principal)
    if unit is not None:
        leads = await session.scalar(
            select(Assignment.id).where(
                Assignment.item_id == task.id, Assignment.unit_id == unit, Assignment.role == "lead"
            )
        )
        if leads is None:
            visible = [unit]
    rows = await audit_service.list_for_task(session, task_id=task.id, visible_units=visible)
    return [AuditEventRead.model_validate(e) for e in rows]
