from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from ..items.dependencies import ReadableTask
from ..items.service import TaskNotFound
from . import service
from .dependencies import AuditInReach, TaskAuditUnits
from .schemas import AuditEventRead

router = APIRouter(tags=["audit"])


@router.get(
    "/api/v1/audit_events",
    response_model=Page[AuditEventRead],
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def list_audit_events(
    reach: AuditInReach,
    session: SessionDep,
    plan_id: uuid.UUID | None = Query(None),
    task_id: uuid.UUID | None = Query(None),
    entity: str | None = Query(None, max_length=40),
    entity_id: uuid.UUID | None = Query(None),
    unit_id: uuid.UUID | None = Query(None),
    order: str | None = Query(None, max_length=10, description="at 或 -at（默认）"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AuditEventRead]:
    """变更记录（工作人员）"""
    rows, nxt = await service.list_events(
        session,
        reach=reach,
        plan_id=plan_id,
        task_id=task_id,
        entity=entity,
        entity_id=entity_id,
        unit_id=unit_id,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[AuditEventRead.model_validate(e) for e in rows], next_cursor=nxt)


@router.get(
    "/api/v1/tasks/{task_id}/audit_events",
    response_model=Page[AuditEventRead],
    responses=problem_responses(TaskNotFound, ValidationFailed),
)
async def list_task_audit(
    task: ReadableTask,
    visible_units: TaskAuditUnits,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AuditEventRead]:
    """任务的变更记录（谁、哪个单位、何时、变更前后；按时间顺序）"""
    rows, nxt = await service.list_for_task(
        session, task_id=task.id, visible_units=visible_units, limit=limit, cursor=cursor
    )
    return Page(items=[AuditEventRead.model_validate(e) for e in rows], next_cursor=nxt)
