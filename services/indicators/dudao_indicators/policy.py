"""Who reaches what in the indicator service: the region rules every loader applies.

- Regions nest (``dudao_shared.regions``): province staff reach everything, a city's staff the
  city and its counties, a county's staff its county; peers do not see each other. An
  indicator belongs to its plan's region, a measurement, grant or assessment to the region it
  is about.
- A plan belongs to the task service: its region is asked there, with the caller's token, and
  never taken from a body. A plan it does not know (or the caller may not see) is a 422 naming
  ``plan_id`` when a body names it and a 404 when the path does.
- A unit a body names (a grant's ``unit_id``) belongs to the task service too: its region is
  asked there; unknown is a 422 naming the field, a unit outside the caller's region a 403.
- Writes: ``can_write_region`` (admins everywhere, planners within their region).
- Units see only the (indicator, region) pairs granted to them (``indicators.dependencies``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true
from sqlmodel import col

from dudao_shared.auth import Principal
from dudao_shared.errors import Forbidden, ValidationFailed
from dudao_shared.http import ServiceClient
from dudao_shared.regions import can_write_region, contains, region_covers, region_prefix

from .plans import PlanNotFound, plan_region, unit_region


class RegionForbidden(Forbidden):
    code, title = "region_forbidden", "超出管辖范围"


def staff_reach(principal: Principal) -> str | None:
    """The region a staff principal reaches (None: everywhere; units are scoped by grants)."""
    if principal.is_unit or principal.is_admin or not principal.region_code:
        return None
    return principal.region_code


def may_read_region(principal: Principal, region_code: str | None) -> bool:
    return region_covers(staff_reach(principal), region_code)


def within_reach(principal: Principal, column: Any) -> ColumnElement[bool]:
    """Rows whose region ``column`` lies in the caller's region."""
    reach = staff_reach(principal)
    if reach is None:
        return true()
    return col(column).startswith(region_prefix(reach), autoescape=True)


def narrow_region(principal: Principal, asked: str | None) -> str | None:
    """The region a list is confined to: what the query asks, inside the caller's region
    (403 when the query asks for a region outside it)."""
    reach = staff_reach(principal)
    if asked is None:
        return reach
    if reach is not None and not contains(reach, asked):
        raise RegionForbidden(f"区划 {asked} 不在您的权限范围内")
    return asked


def require_write_region(principal: Principal, region_code: str) -> None:
    """A planner acting outside its region (it may read there, so 403 reveals nothing)."""
    if not can_write_region(principal, region_code):
        raise RegionForbidden(f"只能操作本辖区（{principal.region_code}）的规划指标")


async def body_plan_region(client: ServiceClient, plan_id: str) -> str:
    """The region of a plan a body names, from the task service: 422 naming ``plan_id`` when
    it does not exist there (or the caller may not see it)."""
    try:
        return await plan_region(client, plan_id)
    except PlanNotFound:
        raise ValidationFailed(
            f"规划 {plan_id} 不存在",
            errors=[{"field": "plan_id", "message": "规划不存在或无权查看"}],
        ) from None


async def require_body_plan(
    client: ServiceClient, principal: Principal, *, plan_id: str, region_code: str
) -> str:
    """A plan named in a body: it must exist in the task service, lie in the caller's region,
    and be the region the body claims (the plan's real region, never the client's word)."""
    region = await body_plan_region(client, plan_id)
    require_write_region(principal, region)
    if region_code != region:
        raise ValidationFailed(
            f"规划 {plan_id} 属于区划 {region}",
            errors=[{"field": "region_code", "message": f"须为规划所属区划 {region}"}],
        )
    return region


async def require_body_unit(client: ServiceClient, principal: Principal, *, unit_id: str) -> str:
    """A unit named in a body: it must exist in the task service (422 naming ``unit_id``) and
    lie in the caller's region (403 ``region_forbidden``); its region, from there."""
    region = await unit_region(client, unit_id)
    if region is None:
        raise ValidationFailed(
            f"单位 {unit_id} 不存在",
            errors=[{"field": "unit_id", "message": "单位不存在"}],
        )
    require_write_region(principal, region)
    return region
