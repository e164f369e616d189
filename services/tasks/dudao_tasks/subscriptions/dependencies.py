"""Subscriptions are the admin's: a portal's receiver is platform configuration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import Principal, StaffWriter, require_roles
from dudao_shared.db import SessionDep
from dudao_shared.regions import require_region

from ..models import Delivery, Plan, Subscription
from . import service
from .schemas import IndicatorAssessedEvent

Admin = Annotated[Principal, Depends(require_roles("admin"))]


async def get_subscription(
    subscription_id: uuid.UUID, _: Admin, session: SessionDep
) -> Subscription:
    return await service.load(session, subscription_id)


ManagedSubscription = Annotated[Subscription, Depends(get_subscription)]


async def get_subscription_delivery(
    delivery_id: uuid.UUID, row: ManagedSubscription, session: SessionDep
) -> tuple[Subscription, Delivery]:
    return row, await service.load_delivery(session, row=row, delivery_id=delivery_id)


SubscriptionDeliveryDep = Annotated[
    tuple[Subscription, Delivery], Depends(get_subscription_delivery)
]


async def get_event_plan(
    body: IndicatorAssessedEvent, principal: StaffWriter, session: SessionDep
) -> tuple[IndicatorAssessedEvent, Plan | None]:
    """The public plan an event names, or None: an event about a plan that is not public (or
    not ours) reaches no portal. For a public plan the reporter must be able to write in its
    region (the indicator service forwards the approver's token)."""
    try:
        plan = await session.get(Plan, uuid.UUID(body.plan_id))
    except ValueError:
        plan = None
    if plan is None or not plan.disclosed or plan.status == "draft":
        return body, None
    require_region(principal, plan.region_code)
    return body, plan


EventForPlan = Annotated[tuple[IndicatorAssessedEvent, Plan | None], Depends(get_event_plan)]
