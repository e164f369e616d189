"""Loading plans, and every authorisation a plan route needs, before its service runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, exists
from sqlmodel import col, select

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import ValidationFailed
from dudao_shared.regions import require_region

from ..common.access import unit_scope
from ..common.ids import parse_id
from ..models import Assignment, Plan, Unit
from ..policy import plans_reached, require_unit_in_plan_region
from .schemas import PlanCreate, PlanUpdate
from .service import PlanNotFound, check_region


def unit_sees_plan(unit_id: object) -> ColumnElement[bool]:
    """A unit sees the plans it has assignments in."""
    return exists().where(
        col(Assignment.plan_id) == col(Plan.id), col(Assignment.unit_id) == unit_id
    )


async def visible_plans(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """The plans the caller may read: staff those in their region, a unit those it works in."""
    unit = unit_scope(principal)
    return plans_reached(principal) if unit is None else unit_sees_plan(unit)


VisiblePlans = Annotated[ColumnElement[bool], Depends(visible_plans)]


async def readable_plan(plan_id: str, visible: VisiblePlans, session: SessionDep) -> Plan:
    """Staff read the plans of their region; a unit the plans it has assignments in (404 for
    the rest)."""
    pid = parse_id(plan_id, PlanNotFound())
    plan = (await session.execute(select(Plan).where(Plan.id == pid, visible))).scalar_one_or_none()
    if plan is None:
        raise PlanNotFound()
    return plan


ReadablePlan = Annotated[Plan, Depends(readable_plan)]


async def writable_plan(principal: StaffWriter, plan: ReadablePlan) -> Plan:
    """A plan a staff writer may change: one inside the writer's region (403 otherwise)."""
    require_region(principal, plan.region_code)
    return plan


WritablePlan = Annotated[Plan, Depends(writable_plan)]


async def _require_parent_plan(session: SessionDep, parent_id: object) -> None:
    if parent_id is not None and await session.get(Plan, parent_id) is None:
        raise ValidationFailed(
            "上位规划不存在", errors=[{"field": "parent_plan_id", "message": "上位规划不存在"}]
        )


async def new_plan(principal: StaffWriter, session: SessionDep, body: PlanCreate) -> PlanCreate:
    """A new plan's body with the region, parent plan and units it names loaded and authorised."""
    check_region(body.region_code)
    require_region(principal, body.region_code)
    await _require_parent_plan(session, body.parent_plan_id)
    unit_ids = {a.unit_id for a in body.assignments}
    if unit_ids:
        known = {
            u.id: u
            for u in (await session.execute(select(Unit).where(col(Unit.id).in_(unit_ids))))
            .scalars()
            .all()
        }
        for i, spec in enumerate(body.assignments):
            require_unit_in_plan_region(
                known.get(spec.unit_id),
                body.region_code,
                field=f"assignments.{i}.unit_id",
                unit_id=spec.unit_id,
            )
    return body


NewPlan = Annotated[PlanCreate, Depends(new_plan)]


async def plan_changes(
    plan: WritablePlan, principal: StaffWriter, session: SessionDep, body: PlanUpdate
) -> PlanUpdate:
    """A plan edit with a new region (the writer's too) and parent plan loaded and authorised."""
    if body.region_code is not None and body.region_code != plan.region_code:
        check_region(body.region_code)
        require_region(principal, body.region_code)
    await _require_parent_plan(session, body.parent_plan_id)
    return body


PlanChanges = Annotated[PlanUpdate, Depends(plan_changes)]
