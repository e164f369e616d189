"""Reading the audit trail: a task's events, limited to what the caller may see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.pagination import paginate, sort_order

from ..models import AuditEvent


async def list_for_task(
    session: AsyncSession,
    *,
    task_id: uuid.UUID,
    visible_units: Sequence[uuid.UUID] | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEvent], str | None]:
    """One page of a task's events in order; ``visible_units`` limits a unit to task-level
    events and its own."""
    stmt = select(AuditEvent).where(AuditEvent.task_id == task_id)
    if visible_units is not None:
        stmt = stmt.where(
            or_(col(AuditEvent.unit_id).is_(None), col(AuditEvent.unit_id).in_(visible_units))
        )
    order_by: list[ColumnElement[Any]] = [col(AuditEvent.at).asc(), col(AuditEvent.id).asc()]
    return await paginate(session, stmt, limit=limit, cursor=cursor, order_by=order_by)


async def list_events(
    session: AsyncSession,
    *,
    reach: ColumnElement[bool],
    plan_id: uuid.UUID | None,
    task_id: uuid.UUID | None,
    entity: str | None,
    entity_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEvent], str | None]:
    """One page of the events within ``reach`` matching every filter given, newest first by
    default."""
    stmt = select(AuditEvent).where(reach)
    for column, value in (
        (AuditEvent.plan_id, plan_id),
        (AuditEvent.task_id, task_id),
        (AuditEvent.entity, entity),
        (AuditEvent.entity_id, entity_id),
        (AuditEvent.unit_id, unit_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(
            order, {"at": col(AuditEvent.at)}, default="-at", id_column=col(AuditEvent.id)
        ),
    )
