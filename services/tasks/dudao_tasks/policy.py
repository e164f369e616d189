"""Who reaches what in the task service: the one region policy every loader applies.

Region visibility follows the hierarchy of GB/T 2260 codes (``dudao_shared.regions``):
province staff (no ``region_code`` claim, or a province code) reach everything; a city's
staff the city and its counties; a county's staff its county. Peers do not see each other.
Unit tokens are scoped by unit, not by region (``common.access.unit_scope``); the clauses here
apply to staff only and are ``true()`` for admins and province staff.

Writes keep the one write rule, ``dudao_shared.regions.require_region``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.errors import ValidationFailed
from dudao_shared.regions import region_covers, region_prefix

from .common.access import unit_scope
from .models import Plan, Unit


def staff_reach(principal: Principal) -> str | None:
    """The region a staff principal reaches (None: everywhere). Unit tokens: None here, they
    are filtered by unit instead."""
    if principal.is_unit or principal.is_admin or not principal.region_code:
        return None
    return principal.region_code


def may_read_region(principal: Principal, region_code: str | None) -> bool:
    """Whether a staff principal reads objects of ``region_code``."""
    return region_covers(staff_reach(principal), region_code)


def _code_within(column: Any, reach: str) -> ColumnElement[bool]:
    return col(column).startswith(region_prefix(reach), autoescape=True)


def plans_reached(principal: Principal) -> ColumnElement[bool]:
    """Plan rows in the caller's region (every plan for province staff)."""
    reach = staff_reach(principal)
    return true() if reach is None else _code_within(Plan.region_code, reach)


def plan_ids_reached(principal: Principal, plan_id: Any) -> ColumnElement[bool]:
    """Rows whose ``plan_id`` column names a plan in the caller's region."""
    reach = staff_reach(principal)
    if reach is None:
        return true()
    return col(plan_id).in_(select(col(Plan.id)).where(_code_within(Plan.region_code, reach)))


def own_rows(principal: Principal, plan_id: Any, unit_id: Any) -> ColumnElement[bool]:
    """Rows of one unit's work (its assignments, reports, extension requests, 督办单): staff
    reach those of their region's plans, a unit only its own."""
    unit = unit_scope(principal)
    if unit is None:
        return plan_ids_reached(principal, plan_id)
    return col(unit_id) == unit


def units_reached(principal: Principal) -> ColumnElement[bool]:
    """Unit rows in the caller's region."""
    reach = staff_reach(principal)
    return true() if reach is None else _code_within(Unit.region_code, reach)


def unit_ids_reached(principal: Principal, unit_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows whose ``unit_id`` expression names a unit in the caller's region."""
    reach = staff_reach(principal)
    if reach is None:
        return true()
    return unit_id.in_(select(col(Unit.id)).where(_code_within(Unit.region_code, reach)))


def require_unit_in_plan_region(
    unit: Unit | None, plan_region: str, *, field: str, unit_id: uuid.UUID
) -> None:
    """A unit named in a body must exist and lie inside the plan's region (a county plan's
    units are that county's; a city plan may give work to its counties' units): 422 naming the
    field otherwise, the same answer for "no such unit" and "not this plan's" so a foreign
    unit's existence is not revealed."""
    if unit is None or not region_covers(plan_region, unit.region_code):
        raise ValidationFailed(
            "单位不存在或不属于本规划的行政区划",
            errors=[
                {"field": field, "message": f"单位 {unit_id} 不存在或不在区划 {plan_region} 内"}
            ],
        )
