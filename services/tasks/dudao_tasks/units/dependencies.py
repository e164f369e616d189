from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep

from ..common.access import unit_scope
from ..common.ids import parse_id
from .models import Unit
from .service import UnitNotFound


async def readable_unit(unit_id: str, principal: CurrentPrincipal, session: SessionDep) -> Unit:
    """Load a unit the caller may see: a unit token sees only its own unit."""
    uid = parse_id(unit_id, UnitNotFound())
    scope = unit_scope(principal)
    if scope is not None and scope != uid:
        raise UnitNotFound()
    unit = await session.get(Unit, uid)
    if unit is None:
        raise UnitNotFound()
    return unit


ReadableUnit = Annotated[Unit, Depends(readable_unit)]
