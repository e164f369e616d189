from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from ..plans import TasksClient
from .service import require_disclosed


async def get_disclosed_plan_id(
    client: TasksClient, plan_id: Annotated[str, Path(max_length=64, description="规划")]
) -> str:
    await require_disclosed(client, plan_id)
    return plan_id


DisclosedPlanId = Annotated[str, Depends(get_disclosed_plan_id)]
