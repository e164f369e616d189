"""Load an indicator or answer 404, with the caller's right to see or change it checked.

- admin: everything.
- planner: reads the indicators of its region (``region_code`` claim; none = the whole
  province; a city's planner also its counties', see ``policy``); writes those indicators
  (and their targets, grants, measurements).
- leader: reads the indicators of its region, writes nothing.
- unit: sees only the indicators and (indicator, region) pairs granted to it; anything else is
  404, as if it did not exist.

The loaders here are what every other package's ``dependencies.py`` builds on: each object of
this service hangs off an indicator.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import CurrentPrincipal, Principal, Staff, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.regions import RegionQuery

from ..models import Indicator, IndicatorGrant
from ..plans import PlanNotFound, TasksClient, plan_region, readable_plan_region
from ..policy import (
    may_read_region,
    narrow_region,
    require_body_plan,
    require_write_region,
    within_reach,
)
from .bulk import BulkIndicatorsIn
from .schemas import IndicatorCreate, ParsedIndicatorsIn
from .service import IndicatorNotFound as IndicatorNotFound

IndicatorId = Annotated[str, Path(max_length=200, description="指标标识")]
IndicatorIdQuery = Annotated[str, Query(max_length=36, description="指标")]
# A unit's (indicator, region) grants; None for staff, who see every pair.
Pairs = set[tuple[str, str]] | None


def require_region(principal: Principal, region_code: str) -> None:
    """A planner acting outside its region (it may read there, so 403 reveals nothing)."""
    require_write_region(principal, region_code)


async def unit_grant_pairs(session: AsyncSession, unit_id: str) -> set[tuple[str, str]]:
    rows = await session.execute(
        select(col(IndicatorGrant.indicator_id), col(IndicatorGrant.region_code)).where(
            IndicatorGrant.unit_id == unit_id
        )
    )
    return {(i, r) for i, r in rows.all()}


async def unit_may_report(
    session: AsyncSession, unit_id: str, indicator_id: str, region_code: str
) -> bool:
    row = await session.execute(
        select(IndicatorGrant.id)
        .where(
            IndicatorGrant.unit_id == unit_id,
            IndicatorGrant.indicator_id == indicator_id,
            IndicatorGrant.region_code == region_code,
        )
        .limit(1)
    )
    return row.first() is not None


async def _unit_may_see(session: AsyncSession, unit_id: str, indicator_id: str) -> bool:
    row = await session.execute(
        select(IndicatorGrant.id)
        .where(IndicatorGrant.unit_id == unit_id, IndicatorGrant.indicator_id == indicator_id)
        .limit(1)
    )
    return row.first() is not None


async def load_readable(
    session: AsyncSession, principal: Principal, indicator_id: str
) -> Indicator:
    ind = await session.get(Indicator, indicator_id) if len(indicator_id) <= 36 else None
    if (
        ind is None
        or not may_read_region(principal, ind.region_code)
        or (principal.is_unit and not await _unit_may_see(session, principal.unit_id or "", ind.id))
    ):
        raise IndicatorNotFound(f"找不到指标 {indicator_id}")
    return ind


async def load_writable(
    session: AsyncSession, principal: Principal, indicator_id: str
) -> Indicator:
    ind = await load_readable(session, principal, indicator_id)
    require_region(principal, ind.region_code)
    return ind


async def readable_indicator(
    indicator_id: IndicatorId, session: SessionDep, principal: CurrentPrincipal
) -> Indicator:
    return await load_readable(session, principal, indicator_id)


async def readable_indicator_in_query(
    indicator_id: IndicatorIdQuery, session: SessionDep, principal: CurrentPrincipal
) -> Indicator:
    return await load_readable(session, principal, indicator_id)


async def writable_indicator(
    indicator_id: IndicatorId, session: SessionDep, principal: StaffWriter
) -> Indicator:
    return await load_writable(session, principal, indicator_id)


async def visible_pairs(session: SessionDep, principal: CurrentPrincipal) -> Pairs:
    if not principal.is_unit:
        return None
    return await unit_grant_pairs(session, principal.unit_id or "")


async def new_indicator(
    data: IndicatorCreate, principal: StaffWriter, tasks: TasksClient
) -> IndicatorCreate:
    await require_body_plan(tasks, principal, plan_id=data.plan_id, region_code=data.region_code)
    return data


async def new_indicators(
    data: BulkIndicatorsIn, principal: StaffWriter, tasks: TasksClient
) -> BulkIndicatorsIn:
    await require_body_plan(tasks, principal, plan_id=data.plan_id, region_code=data.region_code)
    return data


async def new_parsed_indicators(
    data: ParsedIndicatorsIn, principal: StaffWriter, tasks: TasksClient
) -> ParsedIndicatorsIn:
    """A parsed plan's indicators. The task service posts them once the plan is committed, so
    the plan is checked like any other body's: it must exist there, in the caller's region."""
    await require_body_plan(tasks, principal, plan_id=data.plan_id, region_code=data.region_code)
    return data


async def indicators_in_reach(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """The indicators a staff list may show: those of the caller's region."""
    return within_reach(principal, Indicator.region_code)


async def readable_plan_id(
    plan_id: Annotated[str, Path(max_length=64, description="规划")],
    principal: Staff,
    tasks: TasksClient,
) -> str:
    """A plan named in the path, looked up in the task service with the caller's token (404
    for a plan that does not exist or lies outside the caller's region); its region may come
    from the last few seconds' lookups (``plans.RECENT_PLAN_REGIONS``)."""
    if not may_read_region(principal, await readable_plan_region(tasks, plan_id)):
        raise PlanNotFound(f"找不到规划 {plan_id}")
    return plan_id


async def region_in_reach(
    principal: CurrentPrincipal, region_code: RegionQuery = None
) -> str | None:
    """A ``region_code`` query inside the caller's region (403 outside it); for staff with a
    region, none given means their region."""
    return narrow_region(principal, region_code)


async def within_in_reach(
    principal: CurrentPrincipal, within_region: RegionQuery = None
) -> str | None:
    """A ``within_region`` query, confined the same way."""
    return narrow_region(principal, within_region)


async def region_asked(principal: CurrentPrincipal, region_code: RegionQuery = None) -> str | None:
    """A ``region_code`` query a report is for: inside the caller's region (403 outside it);
    none given stays none (the report's own default)."""
    if region_code is not None:
        narrow_region(principal, region_code)
    return region_code


RegionAsked = Annotated[str | None, Depends(region_asked)]
IndicatorsInReach = Annotated[ColumnElement[bool], Depends(indicators_in_reach)]
ReadablePlanId = Annotated[str, Depends(readable_plan_id)]
RegionInReach = Annotated[str | None, Depends(region_in_reach)]
WithinInReach = Annotated[str | None, Depends(within_in_reach)]
ReadableIndicator = Annotated[Indicator, Depends(readable_indicator)]
ReadableIndicatorInQuery = Annotated[Indicator, Depends(readable_indicator_in_query)]
WritableIndicator = Annotated[Indicator, Depends(writable_indicator)]
VisiblePairs = Annotated[Pairs, Depends(visible_pairs)]
NewIndicator = Annotated[IndicatorCreate, Depends(new_indicator)]
NewIndicators = Annotated[BulkIndicatorsIn, Depends(new_indicators)]
NewParsedIndicators = Annotated[ParsedIndicatorsIn, Depends(new_parsed_indicators)]


async def sheet_plan(
    plan_id: Annotated[str, Query(min_length=1, max_length=64, description="规划")],
    tasks: TasksClient,
    principal: CurrentPrincipal,
) -> str:
    """The plan a spreadsheet is for: staff name one they can see in the task service (404
    else); a unit reaches only the indicators granted to it, whatever plan it names."""
    if not principal.is_unit:
        await plan_region(tasks, plan_id)
    return plan_id


SheetPlan = Annotated[str, Depends(sheet_plan)]
