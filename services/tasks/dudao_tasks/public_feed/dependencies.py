from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from dudao_shared.db import SessionDep

from ..models import Bulletin, Plan
from .service import load_bulletin, load_disclosed


async def get_disclosed_plan(plan_id: uuid.UUID, session: SessionDep) -> Plan:
    """The one check of the feed: the plan exists, is not a draft and is disclosed (else 404)."""
    return await load_disclosed(session, plan_id)


DisclosedPlan = Annotated[Plan, Depends(get_disclosed_plan)]


async def get_disclosed_bulletin(
    plan: DisclosedPlan, bulletin_id: uuid.UUID, session: SessionDep
) -> Bulletin:
    """A bulletin of a disclosed plan (404 for another plan's, as for a missing one)."""
    return await load_bulletin(session, plan, bulletin_id)


DisclosedBulletin = Annotated[Bulletin, Depends(get_disclosed_bulletin)]
