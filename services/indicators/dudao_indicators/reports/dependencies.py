"""The indicator (and region) a report is about, with the caller's right to see it checked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep
from dudao_shared.regions import RegionQuery

from ..indicators.dependencies import (
    IndicatorNotFound,
    ReadableIndicator,
    ReadableIndicatorInQuery,
    unit_may_report,
)
from ..indicators.dependencies import ReadablePlanId as ReadablePlanId
from ..indicators.dependencies import RegionAsked as RegionAsked
from ..models import Indicator


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
