"""Who sees which audit events of a task."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlmodel import select

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep

from ..common.access import unit_scope
from ..items.dependencies import ReadableTask
from ..models import Assignment


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
