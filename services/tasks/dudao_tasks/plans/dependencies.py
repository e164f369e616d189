from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import select

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep

from ..common.access import unit_scope
from ..common.ids import parse_id
from .models import Plan
from .service import PlanNotFound, unit_sees_plan


async def readable_plan(plan_id: str, principal: CurrentPrincipal, session: SessionDep) -> Plan:
    """Staff read every plan; a unit reads the plans it has assignments in."""
    pid = parse_id(plan_id, PlanNotFound())
    stmt = select(Plan).where(Plan.id == pid)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(unit_sees_plan(unit))
    plan = (await session.execute(stmt)).scalar_one_or_none()
    if plan is None:
        raise PlanNotFound()
    return plan


ReadablePlan = Annotated[Plan, Depends(readable_plan)]
