"""Loading assignments, and every authorisation an assignment route needs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, bindparam, exists, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep, get_database
from dudao_shared.errors import Forbidden
from dudao_shared.prepared import Prepared, attach, driver
from dudao_shared.regions import region_prefix, require_region

from ..common.access import unit_scope
from ..common.ids import parse_id
from ..items.dependencies import WritableTask
from ..models import Assignment, Plan, Unit
from ..policy import own_rows, plan_ids_reached, require_unit_in_plan_region, staff_reach
from .schemas import AssignmentCreate, AssignmentUpdate
from .service import (
    AssignmentNotFound,
    FieldForbidden,
    StatusUpdate,
    UpdateTarget,
    fits_one_statement,
    with_status_context,
)


def unit_can_see_assignment(unit_id: uuid.UUID) -> ColumnElement[bool]:
    """Its own assignments, and all assignments of the tasks it leads."""
    mine = aliased(Assignment)
    leads = exists().where(
        col(mine.item_id) == col(Assignment.item_id),
        col(mine.unit_id) == unit_id,
        col(mine.role) == "lead",
    )
    return or_(col(Assignment.unit_id) == unit_id, leads)


async def visible_assignments(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff see the assignments of their region's plans; a unit its own and those of the
    tasks it leads."""
    unit = unit_scope(principal)
    if unit is None:
        return plan_ids_reached(principal, Assignment.plan_id)
    return unit_can_see_assignment(unit)


async def own_assignments(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff see the assignments of their region's plans; a unit only its own."""
    return own_rows(principal, Assignment.plan_id, Assignment.unit_id)


VisibleAssignments = Annotated[ColumnElement[bool], Depends(visible_assignments)]
OwnAssignments = Annotated[ColumnElement[bool], Depends(own_assignments)]


def _load_statement(*, unit: str | None, in_region: bool, context: bool = False) -> Any:
    """``unit``: None for staff, "own" for a unit's own rows, "visible" for those plus the
    rows of tasks it leads — the same scopes as ``own_assignments``/``visible_assignments``,
    with the caller's values as bound parameters. ``context``: with what a status update
    needs besides the row (``service.with_status_context``), in the same statement."""
    stmt = sa_select(*Assignment.__table__.c).where(  # type: ignore[attr-defined]
        col(Assignment.id) == bindparam("aid")
    )
    if context:
        stmt = with_status_context(stmt)
    if in_region:
        stmt = stmt.where(
            col(Assignment.plan_id).in_(
                select(col(Plan.id)).where(col(Plan.region_code).startswith(bindparam("prefix")))
            )
        )
    if unit == "own":
        stmt = stmt.where(col(Assignment.unit_id) == bindparam("unit"))
    elif unit == "visible":
        mine = aliased(Assignment)
        leads = exists().where(
            col(mine.item_id) == col(Assignment.item_id),
            col(mine.unit_id) == bindparam("unit"),
            col(mine.role) == "lead",
        )
        stmt = stmt.where(or_(col(Assignment.unit_id) == bindparam("unit"), leads))
    return stmt


# Built once and run on the driver (``dudao_shared.prepared``): through the session, building
# the expression and the ORM's execution cost several times the statement itself.
_LOAD_STATEMENTS = {
    ("staff", True): Prepared(_load_statement(unit=None, in_region=True)),
    ("staff", False): Prepared(_load_statement(unit=None, in_region=False)),
    ("own", False): Prepared(_load_statement(unit="own", in_region=False)),
    ("visible", False): Prepared(_load_statement(unit="visible", in_region=False)),
}
# The same scopes for the status update, with its context (``assignment_update_target``).
_STATUS_LOADS = {
    key: Prepared(_load_statement(unit=unit, in_region=in_region, context=True))
    for key, unit, in_region in (
        (("staff", True), None, True),
        (("staff", False), None, False),
        (("own", False), "own", False),
    )
}


def _scope(
    raw_id: str, principal: CurrentPrincipal, *, own: bool
) -> tuple[tuple[str, bool], dict[str, Any]]:
    """Which prebuilt scope statement serves the caller, and its parameters."""
    aid = parse_id(raw_id, AssignmentNotFound())
    params: dict[str, Any] = {"aid": aid}
    unit = unit_scope(principal)
    if unit is not None:
        params["unit"] = unit
        return ("own" if own else "visible", False), params
    reach = staff_reach(principal)
    if reach is not None:
        params["prefix"] = region_prefix(reach)
    return ("staff", reach is not None), params


async def _load(
    session: SessionDep, raw_id: str, principal: CurrentPrincipal, *, own: bool
) -> Assignment:
    key, params = _scope(raw_id, principal, own=own)
    row = await _LOAD_STATEMENTS[key].fetchrow(await driver(session), params)
    if row is None:
        raise AssignmentNotFound()
    return attach(session, Assignment, row)


async def readable_assignment(
    assignment_id: str, principal: CurrentPrincipal, session: SessionDep
) -> Assignment:
    """An assignment the caller may read (404 for the rest): the scope of
    ``visible_assignments``."""
    return await _load(session, assignment_id, principal, own=False)


async def own_assignment(
    assignment_id: str, principal: CurrentPrincipal, session: SessionDep
) -> Assignment:
    """For acting as the unit: a unit token only on its own assignments (404 otherwise); the
    scope of ``own_assignments``."""
    return await _load(session, assignment_id, principal, own=True)


ReadableAssignment = Annotated[Assignment, Depends(readable_assignment)]
OwnAssignment = Annotated[Assignment, Depends(own_assignment)]


async def _require_plan_region(
    session: SessionDep, principal: CurrentPrincipal, assignment: Assignment
) -> None:
    region = await session.scalar(select(Plan.region_code).where(Plan.id == assignment.plan_id))
    require_region(principal, region)


async def writable_assignment(
    principal: StaffWriter, assignment: ReadableAssignment, session: SessionDep
) -> Assignment:
    """An assignment a staff writer may cancel or review: its plan lies in the writer's region."""
    await _require_plan_region(session, principal, assignment)
    return assignment


async def workable_assignment(
    principal: CurrentPrincipal, assignment: OwnAssignment, session: SessionDep
) -> Assignment:
    """An assignment the caller may report on or update: a unit its own, a planner one in the
    planner's region, an admin any; leaders only read (403 ``role_forbidden``)."""
    if principal.role == "leader":
        raise Forbidden("领导角色只读", code="role_forbidden")
    if principal.role == "planner":
        await _require_plan_region(session, principal, assignment)
    return assignment


def _require_fields(principal: CurrentPrincipal, body: AssignmentUpdate) -> None:
    """Who may change which field: planners the role, the unit (or an admin) the status."""
    if body.role is not None and not principal.can_plan:
        raise FieldForbidden("单位不能修改牵头 / 配合角色")
    if body.status is not None and not (principal.is_unit or principal.is_admin):
        raise FieldForbidden("状态由责任单位填报；审核请使用审核操作")


async def assignment_update_target(
    request: Request,
    assignment_id: str,
    principal: CurrentPrincipal,
    body: AssignmentUpdate,
    session: SessionDep,
) -> AsyncIterator[UpdateTarget]:
    """The assignment a PATCH changes, authorised as ``workable_assignment`` is and its fields
    as ``_require_fields`` says, in the form its write takes.

    A unit's status update — the hottest write of the platform — is loaded with its context
    on a session-less connection and written there in one statement
    (``service.StatusUpdate``): no session, no BEGIN/COMMIT round trips. Anything else, or a
    task the one-statement write does not cover, is the session's ORM row (the connection is
    handed back first, so a request never holds two).
    """
    if body.status is not None and body.role is None:
        key, params = _scope(assignment_id, principal, own=True)
        async with get_database.of(request.app).read_connection() as conn:
            row = await _STATUS_LOADS[key].fetchrow(conn, params)
            if row is None:
                raise AssignmentNotFound()
            if principal.role == "leader":
                raise Forbidden("领导角色只读", code="role_forbidden")
            if principal.role == "planner":
                require_region(principal, row["plan_region_code"])
            _require_fields(principal, body)
            if fits_one_statement(row):
                yield StatusUpdate(conn, row, body.status)
                return
    assignment = await workable_assignment(
        principal, await _load(session, assignment_id, principal, own=True), session
    )
    _require_fields(principal, body)
    yield assignment


AssignmentUpdateTarget = Annotated[
    UpdateTarget, Depends(assignment_update_target, scope="function")
]


WritableAssignment = Annotated[Assignment, Depends(writable_assignment)]
WorkableAssignment = Annotated[Assignment, Depends(workable_assignment)]


async def new_assignment(
    task: WritableTask, session: SessionDep, body: AssignmentCreate
) -> AssignmentCreate:
    """A new assignment's body with the unit it names loaded: it must lie in the task's plan's
    region (422 naming ``unit_id``)."""
    region = await session.scalar(select(Plan.region_code).where(Plan.id == task.plan_id))
    require_unit_in_plan_region(
        await session.get(Unit, body.unit_id),
        region or "",
        field="unit_id",
        unit_id=body.unit_id,
    )
    return body


NewAssignment = Annotated[AssignmentCreate, Depends(new_assignment)]


async def acknowledgeable_assignment(
    principal: CurrentPrincipal, assignment: OwnAssignment
) -> Assignment:
    """签收 is the unit's own word: only its unit token (404 on others' assignments, 403
    ``role_forbidden`` for staff, who cannot sign for a unit)."""
    if not principal.is_unit:
        raise Forbidden("签收须由责任单位本身完成", code="role_forbidden")
    return assignment


AcknowledgeableAssignment = Annotated[Assignment, Depends(acknowledgeable_assignment)]
