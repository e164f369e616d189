from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import aliased

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep

from ..common.access import unit_scope
from ..common.ids import parse_id
from .models import Assignment
from .service import AssignmentNotFound


def unit_can_see_assignment(unit_id: uuid.UUID) -> ColumnElement[bool]:
    """Its own assignments, and all assignments of the tasks it leads."""
    mine = aliased(Assignment)
    leads = exists().where(
        mine.item_id == Assignment.item_id, mine.unit_id == unit_id, mine.role == "lead"
    )
    return or_(Assignment.unit_id == unit_id, leads)


async def readable_assignment(
    assignment_id: str, principal: CurrentPrincipal, session: SessionDep
) -> Assignment:
    aid = parse_id(assignment_id, AssignmentNotFound())
    stmt = select(Assignment).where(Assignment.id == aid)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(unit_can_see_assignment(unit))
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise AssignmentNotFound()
    return row


async def own_assignment(
    assignment_id: str, principal: CurrentPrincipal, session: SessionDep
) -> Assignment:
    """For acting as the unit: a unit token only on its own assignments (404 otherwise)."""
    aid = parse_id(assignment_id, AssignmentNotFound())
    stmt = select(Assignment).where(Assignment.id == aid)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(Assignment.unit_id == unit)
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise AssignmentNotFound()
    return row


ReadableAssignment = Annotated[Assignment, Depends(readable_assignment)]
OwnAssignment = Annotated[Assignment, Depends(own_assignment)]
