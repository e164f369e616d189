"""The indicator (and region) a report is about, with the caller's right to see it checked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import CurrentPrincipal, Staff
from dudao_shared.db import SessionDep
from dudao_shared.regions import RegionQuery, contains

from ..indicators.dependencies import (
    IndicatorNotFound,
    ReadableIndicator,
    ReadableIndicatorInQuery,
    unit_may_report,
)
from ..indicators.dependencies import ReadablePlanId as ReadablePlanId
from ..indicators.dependencies import RegionAsked as RegionAsked
from ..models import Indicator
from ..plans import TasksClient, child_plans, child_regions


async def series_scope(
    ind: ReadableIndicatorInQuery,
    session: SessionDep,
    principal: CurrentPrincipal,
    region_code: RegionQuery = None,
) -> tuple[Indicator, str]:
    """A unit charts only the regions it reports; the region defaults to the plan's."""
    region = region_code or ind.region_code
    if principal.is_unit and not await unit_may_report(
        session, principal.unit_id or "", ind.id, region
    ):
        raise IndicatorNotFound(f"找不到指标 {ind.id} 在 {region} 的数据")
    return ind, region


SeriesScope = Annotated[tuple[Indicator, str], Depends(series_scope)]
# The indicator whose region totals are asked for (path ``indicator_id``).
TotalsIndicator = ReadableIndicator


# The indicator, and each region one level below its plan's region with the plans of that
# region under the indicator's plan: (code, name, plan ids).
RollupChildren = list[tuple[str, str, list[str]]]


async def rollup_scope(
    ind: ReadableIndicator, _: Staff, tasks: TasksClient
) -> tuple[Indicator, RollupChildren]:
    """Staff who may read the indicator read down: the child plans are those the task service
    shows them (a plan of a region outside their reach is not there for them)."""
    plans = await child_plans(tasks, ind.plan_id)
    out: RollupChildren = []
    for code, name in await child_regions(tasks, ind.region_code):
        mine = [p for p, region in plans if region != ind.region_code and contains(code, region)]
        out.append((code, name, mine))
    return ind, out


RollupScope = Annotated[tuple[Indicator, RollupChildren], Depends(rollup_scope)]
