"""Load an indicator or answer 404, with the caller's right to see or change it checked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep

from ..access import require_region, unit_may_see_indicator
from ..models import Indicator
from .service import IndicatorNotFound

IndicatorId = Annotated[str, Path(max_length=200, description="指标标识")]


async def _load(session: SessionDep, indicator_id: str) -> Indicator:
    ind = await session.get(Indicator, indicator_id) if len(indicator_id) <= 36 else None
    if ind is None:
        raise IndicatorNotFound(f"找不到指标 {indicator_id}")
    return ind


async def readable_indicator(
    indicator_id: IndicatorId, session: SessionDep, principal: CurrentPrincipal
) -> Indicator:
    ind = await _load(session, indicator_id)
    if principal.is_unit and not await unit_may_see_indicator(
        session, principal.unit_id or "", ind.id
    ):
        raise IndicatorNotFound(f"找不到指标 {indicator_id}")
    return ind


async def writable_indicator(
    indicator_id: IndicatorId, session: SessionDep, principal: StaffWriter
) -> Indicator:
    ind = await _load(session, indicator_id)
    require_region(principal, ind.region_code)
    return ind


ReadableIndicator = Annotated[Indicator, Depends(readable_indicator)]
WritableIndicator = Annotated[Indicator, Depends(writable_indicator)]
