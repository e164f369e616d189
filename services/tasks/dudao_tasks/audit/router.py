from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from sqlalchemy import select

from dudao_shared.api import Cursor, Limit, Page
from dudao_shared.auth import Staff
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses

from ..common.pagination import paginate
from .models import AuditEvent
from .schemas import AuditEventRead

router = APIRouter(prefix="/api/v1/audit_events", tags=["audit"])


@router.get(
    "", response_model=Page[AuditEventRead], responses=problem_responses(Forbidden, ValidationFailed)
)
async def list_audit_events(
    _: Staff,
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
    stmt = select(AuditEvent)
    for column, value in ((AuditEvent.plan_id, plan_id), (AuditEvent.task_id, task_id),
                          (AuditEvent.entity, entity), (AuditEvent.entity_id, entity_id),
                          (AuditEvent.unit_id, unit_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    rows, nxt = await paginate(session, stmt, id_column=AuditEvent.id, order=order,  # type: ignore[arg-type]
                               allowed={"at": AuditEvent.at}, default="-at", limit=limit,  # type: ignore[dict-item]
                               cursor=cursor)
    return Page(items=[AuditEventRead.model_validate(e) for e in rows], next_cursor=nxt)
