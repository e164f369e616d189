"""Who may manage unit tokens, the token a path names and the unit a body names — each
authorised here, before any route runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import Principal, require_roles
from dudao_shared.db import SessionDep
from dudao_shared.regions import require_region

from ..dependencies import TasksClientDep
from ..models import UnitToken
from ..units import UnitRef, read_unit
from . import service
from .schemas import UnitTokenCreate

TokenIssuer = Annotated[Principal, Depends(require_roles("admin", "planner"))]


async def get_visible_unit_token(
    token_id: str, principal: TokenIssuer, session: SessionDep
) -> UnitToken:
    return await service.get_visible(session, token_id=token_id, principal=principal)


VisibleUnitToken = Annotated[UnitToken, Depends(get_visible_unit_token)]


async def get_issuable_unit(
    body: UnitTokenCreate, principal: TokenIssuer, tasks: TasksClientDep
) -> UnitRef:
    """The unit the body names, read from the task service as the caller, and inside the
    caller's region (403 ``region_forbidden`` otherwise, as the task service answers)."""
    unit = await read_unit(tasks, body.unit_id)
    require_region(principal, unit.region_code)
    return unit


IssuableUnit = Annotated[UnitRef, Depends(get_issuable_unit)]
