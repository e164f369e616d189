"""Load a target (with its indicator) or answer 404; changing one needs the indicator's region."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import NotFound

from ..indicators.dependencies import (
    ReadableIndicatorInQuery,
    load_readable,
    load_writable,
    require_region,
)
from ..indicators.dependencies import SheetPlan as SheetPlan
from ..models import Indicator, Target
from .schemas import TargetCreate
from .service import TargetNotFound

TargetId = Annotated[str, Path(max_length=200, description="目标标识")]


async def readable_target(
    target_id: TargetId, session: SessionDep, principal: CurrentPrincipal
) -> tuple[Target, Indicator]:
    t = await session.get(Target, target_id) if len(target_id) <= 36 else None
    if t is None:
        raise TargetNotFound(f"找不到目标 {target_id}")
    try:
        ind = await load_readable(session, principal, t.indicator_id)
    except NotFound:
        raise TargetNotFound(f"找不到目标 {target_id}") from None
    return t, ind


async def writable_target(
    loaded: Annotated[tuple[Target, Indicator], Depends(readable_target)], principal: StaffWriter
) -> tuple[Target, Indicator]:
    require_region(principal, loaded[1].region_code)
    return loaded


async def target_indicator(
    data: TargetCreate, session: SessionDep, principal: StaffWriter
) -> tuple[TargetCreate, Indicator]:
    """The indicator a new target names in its body, which the caller must be able to change."""
    return data, await load_writable(session, principal, data.indicator_id)


ReadableTarget = Annotated[tuple[Target, Indicator], Depends(readable_target)]
WritableTarget = Annotated[tuple[Target, Indicator], Depends(writable_target)]
NewTarget = Annotated[tuple[TargetCreate, Indicator], Depends(target_indicator)]
# The indicator whose targets are listed (``?indicator_id=``).
TargetsIndicator = ReadableIndicatorInQuery
