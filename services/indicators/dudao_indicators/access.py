"""Who may see and change what, at object level.

- admin: everything.
- planner: reads everything; writes indicators, targets, grants and measurements of plans in
  its region (``region_code`` claim; none = the whole province) and approves measurements there.
- leader: reads everything, writes nothing.
- unit: sees only the indicators and (indicator, region) pairs granted to it, and submits
  measurements only for those; anything else is 404, as if it did not exist.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.auth import Principal
from dudao_shared.errors import Forbidden
from dudao_shared.regions import can_write_region

from .models import IndicatorGrant


def covers_region(principal: Principal, region_code: str) -> bool:
    return can_write_region(principal, region_code)


def require_region(principal: Principal, region_code: str) -> None:
    """A planner acting outside its region (it may read there, so 403 reveals nothing)."""
    if not covers_region(principal, region_code):
        raise Forbidden(
            f"只能操作本辖区（{principal.region_code}）的规划指标",
            code="region_forbidden",
            title="超出管辖范围",
        )


async def unit_grant_pairs(session: AsyncSession, unit_id: str) -> set[tuple[str, str]]:
    rows = await session.execute(
        select(IndicatorGrant.indicator_id, IndicatorGrant.region_code).where(
            IndicatorGrant.unit_id == unit_id
        )
    )
    return {(i, r) for i, r in rows.all()}


async def unit_may_see_indicator(session: AsyncSession, unit_id: str, indicator_id: str) -> bool:
    row = await session.execute(
        select(IndicatorGrant.id)
        .where(IndicatorGrant.unit_id == unit_id, IndicatorGrant.indicator_id == indicator_id)
        .limit(1)
    )
    return row.first() is not None


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
