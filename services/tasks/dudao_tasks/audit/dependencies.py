"""Who sees which audit events of a task."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col, select

from dudao_shared.auth import CurrentPrincipal, Staff
from dudao_shared.db import SessionDep

from ..common.access import unit_scope
from ..items.dependencies import ReadableTask
from ..models import Assignment, AuditEvent
from ..policy import plan_ids_reached, staff_reach, unit_ids_reached


async def task_audit_units(
    task: ReadableTask, principal: CurrentPrincipal, session: SessionDep
) -> list[uuid.UUID] | None:
    """The units whose events of ``task`` the caller sees: staff and the task's lead units all
    (None), any other unit only task-level events and its own."""
    unit = unit_scope(principal)
    if unit is None:
        return None
    leads = await session.scalar(
        select(Assignment.id).where(
            Assignment.item_id == task.id, Assignment.unit_id == unit, Assignment.role == "lead"
        )
    )
    return None if leads is not None else [unit]


TaskAuditUnits = Annotated[list[uuid.UUID] | None, Depends(task_audit_units)]


async def audit_in_reach(principal: Staff) -> ColumnElement[bool]:
    """The events regional staff read: those of their region's plans, and plan-less events
    (a unit's own record) of their region's units."""
    if staff_reach(principal) is None:
        return plan_ids_reached(principal, AuditEvent.plan_id)
    return or_(
        plan_ids_reached(principal, AuditEvent.plan_id),
        and_(
            col(AuditEvent.plan_id).is_(None),
            unit_ids_reached(
                principal, func.coalesce(col(AuditEvent.unit_id), col(AuditEvent.entity_id))
            ),
        ),
    )


AuditInReach = Annotated[ColumnElement[bool], Depends(audit_in_reach)]
