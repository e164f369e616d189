from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from dudao_shared.db import SessionDep

from ..models import Plan
from .service import load_disclosed


async def get_disclosed_plan(plan_id: uuid.UUID, session: SessionDep) -> Plan:
    """The one check of the feed: the plan exists, is not a draft and is disclosed (else 404)."""
    return await load_disclosed(session, plan_id)


DisclosedPlan = Annotated[Plan, Depends(get_disclosed_plan)]
