"""Webhook subscriptions: the admin's receivers, the secret shown once and rotated with an
overlap, and ``publish``, which turns one public event into one delivery per subscribed
receiver through the one delivery machinery (``notifications.service.enqueue_delivery``:
outbox row and job in the caller's transaction, retries with backoff, dead letter, log).

Receivers verify the Standard Webhooks signature, reject a ``webhook-timestamp`` more than five
minutes off their clock, and drop a ``webhook-id`` they have seen (a retry keeps its id);
``docs`` of the API say the same."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared import webhooks
from dudao_shared.auth import Principal
from dudao_shared.clock import utcnow
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.jobs import defer_in
from dudao_shared.pagination import paginate
from dudao_shared.versioning import flush_versioned

from ..models import Delivery, DeliveryAttempt, Item, Plan, Subscription
from ..notifications.service import DELIVER_TASK, delivery_queue, enqueue_delivery
from .schemas import IndicatorAssessedEvent, SubscriptionCreate, SubscriptionUpdate

PREFIX = "sub:"


class SubscriptionNotFound(NotFound):
    code, title = "subscription_not_found", "订阅不存在"


class SubscriptionDeliveryNotFound(NotFound):
    code, title = "subscription_delivery_not_found", "投递记录不存在"


class DeliveryNotDead(Conflict):
    code, title = "delivery_not_dead", "只有已放弃的投递可以重发"


def _bad_url(exc: webhooks.UnsafeTarget) -> ValidationFailed:
    return ValidationFailed(
        f"接收地址不可用：{exc}", errors=[{"field": "url", "message": str(exc)}]
    )


async def create(
    session: AsyncSession, *, principal: Principal, data: SubscriptionCreate, production: bool
) -> Subscription:
    try:
        await webhooks.check_url(data.url, production=production)
    except webhooks.UnsafeTarget as exc:
        raise _bad_url(exc) from None
    row = Subscription(
        name=data.name,
        url=data.url,
        events=sorted(set(data.events)),
        secret=webhooks.new_secret(),
        created_by=principal.sub,
    )
    session.add(row)
    await session.flush()
    return row


async def load(session: AsyncSession, subscription_id: uuid.UUID) -> Subscription:
    row = await session.get(Subscription, subscription_id)
    if row is None:
        raise SubscriptionNotFound(f"找不到订阅 {subscription_id}")
    return row


async def update(
    session: AsyncSession, *, row: Subscription, data: SubscriptionUpdate, production: bool
) -> Subscription:
    values = data.model_dump(exclude_unset=True)
    for required in ("name", "url", "events", "enabled"):
        if required in values and values[required] is None:
            raise ValidationFailed("不能为空", errors=[{"field": required, "message": "不能为空"}])
    if "url" in values:
        try:
            await webhooks.check_url(values["url"], production=production)
        except webhooks.UnsafeTarget as exc:
            raise _bad_url(exc) from None
    if "events" in values:
        values["events"] = sorted(set(values["events"]))
    row.sqlmodel_update(values)
    await flush_versioned(session)
    return row


async def rotate_secret(
    session: AsyncSession, *, row: Subscription, overlap_hours: int
) -> Subscription:
    """A new secret; the old one keeps signing (beside the new) for ``overlap_hours``."""
    row.previous_secret = row.secret if overlap_hours else None
    row.previous_secret_until = utcnow() + timedelta(hours=overlap_hours) if overlap_hours else None
    row.secret = webhooks.new_secret()
    await flush_versioned(session)
    return row


async def delete(session: AsyncSession, *, row: Subscription) -> None:
    await session.delete(row)
    await session.flush()


async def list_(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Subscription], str | None]:
    return await paginate(
        session,
        select(Subscription),
        limit=limit,
        cursor=cursor,
        order_by=[col(Subscription.created_at).asc(), col(Subscription.id).asc()],
    )


def signing_secrets(row: Subscription) -> str:
    """The secrets that sign a message now, space-separated (Standard Webhooks sends one
    signature per secret; a receiver holding either verifies)."""
    if row.previous_secret and row.previous_secret_until and row.previous_secret_until > utcnow():
        return f"{row.secret} {row.previous_secret}"
    return row.secret


async def publish(session: AsyncSession, *, event: str, key: str, data: dict[str, Any]) -> int:
    """One delivery per enabled subscription to ``event``, in the caller's transaction.
    ``key`` names the event (the same key never sends twice to one receiver)."""
    rows = (
        await session.scalars(select(Subscription).where(col(Subscription.enabled).is_(True)))
    ).all()
    now = utcnow()
    sent = 0
    for row in rows:
        if event not in row.events:
            continue
        event_id = f"{event}:{key}"
        payload = {"type": event, "id": event_id, "timestamp": now.isoformat(), "data": data}
        made = await enqueue_delivery(
            session,
            channel="webhook",
            target=row.url,
            payload=payload,
            secret=signing_secrets(row),
            dedupe_key=f"{PREFIX}{row.id}:{event_id}"[:300],
        )
        sent += made is not None
    return sent


async def deliveries(
    session: AsyncSession, *, row: Subscription, limit: int, cursor: str | None
) -> tuple[list[tuple[Delivery, list[DeliveryAttempt]]], str | None]:
    found, nxt = await paginate(
        session,
        select(Delivery).where(col(Delivery.dedupe_key).startswith(f"{PREFIX}{row.id}:")),
        limit=limit,
        cursor=cursor,
        order_by=[col(Delivery.created_at).desc(), col(Delivery.id).desc()],
    )
    attempts = (
        await session.scalars(
            select(DeliveryAttempt)
            .where(col(DeliveryAttempt.delivery_id).in_([d.id for d in found]))
            .order_by(col(DeliveryAttempt.attempt))
        )
    ).all()
    by_delivery: dict[uuid.UUID, list[DeliveryAttempt]] = {}
    for a in attempts:
        by_delivery.setdefault(a.delivery_id, []).append(a)
    return [(d, by_delivery.get(d.id, [])) for d in found], nxt


async def load_delivery(
    session: AsyncSession, *, row: Subscription, delivery_id: uuid.UUID
) -> Delivery:
    """A delivery of this subscription (another receiver's delivery or a unit's message is
    not found here)."""
    found = await session.scalar(
        select(Delivery).where(
            col(Delivery.id) == delivery_id,
            col(Delivery.dedupe_key).startswith(f"{PREFIX}{row.id}:"),
        )
    )
    if found is None:
        raise SubscriptionDeliveryNotFound(f"找不到投递记录 {delivery_id}")
    return found


async def retry_delivery(session: AsyncSession, *, row: Subscription, delivery: Delivery) -> None:
    """Send a dead delivery again, once: back to pending with a new job, signed with the
    receiver's secrets of now (a secret rotated since is honoured). The same event id is
    kept, so a receiver that did get it after all drops the repeat. Its attempts go on
    counting, so the new job makes one try and leaves it dead again if that fails; a
    delivery still pending is already queued and a sent one is done, which is a 409."""
    if delivery.status != "dead":
        done = delivery.status == "sent"
        raise DeliveryNotDead("该投递已送达" if done else "该投递仍在发送中，无需重发")
    delivery.status = "pending"
    delivery.secret = signing_secrets(row)
    await session.flush()
    await defer_in(
        session,
        DELIVER_TASK,
        queue=delivery_queue(delivery.channel),
        args={"delivery_id": str(delivery.id)},
    )


async def attempts_of(session: AsyncSession, delivery: Delivery) -> list[DeliveryAttempt]:
    return list(
        (
            await session.scalars(
                select(DeliveryAttempt)
                .where(col(DeliveryAttempt.delivery_id) == delivery.id)
                .order_by(col(DeliveryAttempt.attempt))
            )
        ).all()
    )


def _feed(plan_id: uuid.UUID, tail: str = "") -> str:
    return f"/public/v1/plans/{plan_id}{tail}"


async def plan_published(session: AsyncSession, plan: Plan) -> int:
    """A plan was disclosed: portals may now show it."""
    assert plan.disclosed_at is not None
    return await publish(
        session,
        event="plan.published",
        key=f"{plan.id}:{plan.disclosed_at.isoformat()}",
        data={
            "plan_id": str(plan.id),
            "title": plan.title,
            "doc_number": plan.doc_number,
            "region_code": plan.region_code,
            "disclosed_at": plan.disclosed_at.isoformat(),
            "feed_url": _feed(plan.id),
        },
    )


async def task_state_changed(session: AsyncSession, item: Item, previous: str) -> int:
    """A task of a disclosed plan moved to another state (others are nobody's business)."""
    plan = await session.get(Plan, item.plan_id)
    if plan is None or not plan.disclosed or plan.status == "draft":
        return 0
    return await publish(
        session,
        event="task.state_changed",
        key=f"{item.id}:{item.version}",
        data={
            "plan_id": str(plan.id),
            "task_id": str(item.id),
            "code": item.code,
            "title": item.title,
            "status": item.status,
            "previous_status": previous,
            "feed_url": _feed(plan.id, "/items"),
        },
    )


async def indicator_assessed(
    session: AsyncSession, plan: Plan | None, event: IndicatorAssessedEvent
) -> int:
    if plan is None:
        return 0
    return await publish(
        session,
        event=event.type,
        key=f"{event.measurement_id}:{event.measurement_version}",
        data={
            "plan_id": str(plan.id),
            "indicator_id": event.indicator_id,
            "region_code": event.region_code,
            "period": event.period,
            "feed_url": _feed(plan.id, "/indicators"),
        },
    )
