"""Load a grant or answer 404 (a unit sees only its own); granting and revoking need the
indicator's region, the granted region must lie inside the plan's, and the granted unit must
be one the task service knows, in the granter's region."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy import ColumnElement

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import ValidationFailed
from dudao_shared.regions import contains

from ..indicators.dependencies import load_writable, require_region
from ..models import Indicator, IndicatorGrant
from ..plans import TasksClient
from ..policy import may_read_region, require_body_unit, within_reach
from .schemas import GrantCreate
from .service import GrantNotFound

GrantId = Annotated[str, Path(max_length=200, description="授权标识")]


async def readable_grant(
    grant_id: GrantId, session: SessionDep, principal: CurrentPrincipal
) -> IndicatorGrant:
    g = await session.get(IndicatorGrant, grant_id) if len(grant_id) <= 36 else None
    if (
        g is None
        or not may_read_region(principal, g.region_code)
        or (principal.is_unit and g.unit_id != principal.unit_id)
    ):
        raise GrantNotFound(f"找不到授权 {grant_id}")
    return g


async def writable_grant(
    g: Annotated[IndicatorGrant, Depends(readable_grant)],
    session: SessionDep,
    principal: StaffWriter,
) -> IndicatorGrant:
    ind = await session.get(Indicator, g.indicator_id)
    if ind is None:
        raise GrantNotFound(f"找不到授权 {g.id}")
    require_region(principal, ind.region_code)
    return g


async def new_grant(
    data: GrantCreate, session: SessionDep, principal: StaffWriter, tasks: TasksClient
) -> GrantCreate:
    """The indicator a new grant names must be the caller's to change, the region inside its
    plan's region, and the unit one the task service knows in the caller's region."""
    ind = await load_writable(session, principal, data.indicator_id)
    if not contains(ind.region_code, data.region_code):
        raise ValidationFailed(
            "区划不在该规划范围内",
            errors=[{"field": "region_code", "message": f"须在 {ind.region_code} 之内"}],
        )
    await require_body_unit(tasks, principal, unit_id=data.unit_id)
    return data


def grants_in_reach(principal: CurrentPrincipal) -> ColumnElement[bool]:
    return within_reach(principal, IndicatorGrant.region_code)


GrantsInReach = Annotated[ColumnElement[bool], Depends(grants_in_reach)]


async def own_unit(principal: CurrentPrincipal) -> str | None:
    """The unit whose grants the caller may list; None for staff, who see them all."""
    return principal.unit_id if principal.is_unit else None


ReadableGrant = Annotated[IndicatorGrant, Depends(readable_grant)]
WritableGrant = Annotated[IndicatorGrant, Depends(writable_grant)]
NewGrant = Annotated[GrantCreate, Depends(new_grant)]
OwnUnit = Annotated[str | None, Depends(own_unit)]
