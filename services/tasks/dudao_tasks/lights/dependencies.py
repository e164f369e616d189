"""Who sees which tasks' lights: staff every task of a plan, a unit the tasks it works on."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import CurrentPrincipal

from ..common.access import unit_scope


async def scoped_unit(principal: CurrentPrincipal) -> uuid.UUID | None:
    """The one unit whose tasks a unit token sees (None for staff: every task)."""
    return unit_scope(principal)


ScopedUnit = Annotated[uuid.UUID | None, Depends(scoped_unit)]
