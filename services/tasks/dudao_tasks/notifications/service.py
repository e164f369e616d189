"""The inbox and the outbox.

``notify`` writes a notice to one inbox and, for a unit, a delivery per enabled contact, all
in the caller's transaction: the notice and its messages exist exactly when the change that
raised them commits. ``enqueue_delivery`` writes one outbound message and defers the job that
sends it in the same transaction. Both are keyed: the same key never makes a second row, so a
sweep run twice, two workers, or a retried request notify once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.clock import utcnow
from dudao_shared.errors import NotFound
from dudao_shared.jobs import defer_in
from dudao_shared.pagination import paginate

from ..models import Delivery, DeliveryAttempt, Notice

# The job that sends one delivery; each channel has its own queue and its own worker slots,
# so a channel that is down (timeouts, retries) never holds up another.
DELIVER_TASK = "deliver"


def delivery_queue(channel: str) -> str:
    return f"deliver_{channel}"


class NoticeNotFound(NotFound):
    code, title = "notice_not_found", "通知不存在"


@dataclass(frozen=True, slots=True)
class Recipient:
    """One inbox: a unit's or a staff user's (the account's subject)."""

    unit_id: uuid.UUID | None = None
    user: str | None = None

    def __post_init__(self) -> None:
        if (self.unit_id is None) == (self.user is None):
            raise ValueError("a recipient is a unit or a user, exactly one")


async def notify(
    session: AsyncSession,
    *,
    recipient: Recipient,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    plan_id: uuid.UUID | None = None,
    assignment_id: uuid.UUID | None = None,
    created_by: str = "system",
) -> uuid.UUID | None:
    """Put a notice in an inbox and send it on the recipient's channels. Returns the notice id,
    or None when a notice with this key exists already (nothing is written then)."""
    now = utcnow()
    notice_id: uuid.UUID | None = await session.scalar(
        insert(Notice)
        .values(
            id=uuid.uuid4(),
            recipient_unit_id=recipient.unit_id,
            recipient_user=recipient.user,
            kind=kind,
            title=title,
            body=body,
            plan_id=plan_id,
            assignment_id=assignment_id,
            dedupe_key=dedupe_key,
            created_by=created_by,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(Notice.id))
    )
    if notice_id is None:
        return None
    if recipient.unit_id is not None:
        await fan_out(session, [notice_id])
    return notice_id


async def enqueue_delivery(
    session: AsyncSession,
    *,
    channel: str,
    target: str,
    payload: dict[str, Any],
    dedupe_key: str,
    secret: str | None = None,
    notice_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """One outbound message (any channel, target and payload), sent by a job deferred in the
    caller's transaction. Returns its id, or None when ``dedupe_key`` was used before."""
    delivery_id: uuid.UUID | None = await session.scalar(
        insert(Delivery)
        .values(
            id=uuid.uuid4(),
            channel=channel,
            target=target,
            payload=payload,
            secret=secret,
            dedupe_key=dedupe_key,
            notice_id=notice_id,
            status="pending",
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(Delivery.id))
    )
    if delivery_id is None:
        return None
    await defer_in(
        session,
        DELIVER_TASK,
        queue=delivery_queue(channel),
        args={"delivery_id": str(delivery_id)},
    )
    return delivery_id


# A notice's deliveries, one per enabled contact of its unit, and their jobs, in one statement
# (the reminder sweep fans out thousands of notices at once). The payload is the same for
# every channel: the type, the title and text, and the ids a receiver needs.
_FAN_OUT = sa.text(
    """
    WITH dlv AS (
        INSERT INTO delivery (id, channel, target, payload, secret, dedupe_key, notice_id,
                              status, attempts, created_at)
        SELECT gen_random_uuid(), c.channel, c.target,
               json_build_object(
                   'type', 'notice.' || n.kind, 'title', n.title, 'body', n.body,
                   'data', json_build_object(
                       'notice_id', n.id::text, 'kind', n.kind,
                       'unit_id', n.recipient_unit_id::text, 'plan_id', n.plan_id::text,
                       'assignment_id', n.assignment_id::text, 'created_at', n.created_at)),
               c.secret, 'notice:' || n.id::text || ':' || c.id::text, n.id, 'pending', 0,
               :now
        FROM notice n
        JOIN contact c ON c.unit_id = n.recipient_unit_id AND c.enabled
        WHERE n.id = ANY(:ids)
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id, channel
    )
    SELECT count(*) FROM unnest(procrastinate_defer_jobs_v1((
        SELECT array_agg(ROW(:queue_prefix || channel, :task, 0, NULL, NULL,
                             jsonb_build_object('delivery_id', id::text), NULL
                         )::procrastinate_job_to_defer_v1)
        FROM dlv
    )))
    """
)


async def fan_out(session: AsyncSession, notice_ids: list[uuid.UUID]) -> int:
    """Write the deliveries of unit notices (one per enabled contact) and defer their jobs, in
    the caller's transaction. Returns how many deliveries were written."""
    if not notice_ids:
        return 0
    n = await session.scalar(
        _FAN_OUT,
        {
            "ids": notice_ids,
            "now": utcnow(),
            "queue_prefix": delivery_queue(""),
            "task": DELIVER_TASK,
        },
    )
    return int(n or 0)


def _inbox(recipient: Recipient) -> sa.ColumnElement[bool]:
    if recipient.unit_id is not None:
        return col(Notice.recipient_unit_id) == recipient.unit_id
    return col(Notice.recipient_user) == recipient.user


async def list_notices(
    session: AsyncSession,
    recipient: Recipient,
    *,
    unread: bool | None,
    kind: str | None,
    plan_id: uuid.UUID | None,
    since: dt.datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Notice], str | None]:
    stmt = select(Notice).where(_inbox(recipient))
    if unread is True:
        stmt = stmt.where(col(Notice.read_at).is_(None))
    elif unread is False:
        stmt = stmt.where(col(Notice.read_at).is_not(None))
    if kind is not None:
        stmt = stmt.where(Notice.kind == kind)
    if plan_id is not None:
        stmt = stmt.where(Notice.plan_id == plan_id)
    if since is not None:
        stmt = stmt.where(col(Notice.created_at) >= since)
    order: list[sa.ColumnElement[Any]] = [col(Notice.created_at).desc(), col(Notice.id).desc()]
    return await paginate(session, stmt, limit=limit, cursor=cursor, order_by=order)


async def unread_count(session: AsyncSession, recipient: Recipient) -> int:
    n = await session.scalar(
        select(sa.func.count())
        .select_from(Notice)
        .where(_inbox(recipient), col(Notice.read_at).is_(None))
    )
    return int(n or 0)


async def load_notice(session: AsyncSession, notice_id: uuid.UUID) -> Notice:
    notice = await session.get(Notice, notice_id)
    if notice is None:
        raise NoticeNotFound()
    return notice


async def mark_read(session: AsyncSession, notice: Notice) -> None:
    if notice.read_at is None:
        notice.read_at = utcnow()
        await session.flush()


async def mark_all_read(session: AsyncSession, recipient: Recipient) -> int:
    result = await session.execute(
        sa.update(Notice)
        .where(_inbox(recipient), col(Notice.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def deliveries_of(
    session: AsyncSession, notice_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[tuple[Delivery, list[DeliveryAttempt]]], str | None]:
    deliveries, nxt = await paginate(
        session,
        select(Delivery).where(Delivery.notice_id == notice_id),
        limit=limit,
        cursor=cursor,
        order_by=[col(Delivery.created_at).asc(), col(Delivery.id).asc()],
    )
    attempts = (
        await session.scalars(
            select(DeliveryAttempt)
            .where(col(DeliveryAttempt.delivery_id).in_([d.id for d in deliveries]))
            .order_by(col(DeliveryAttempt.attempt))
        )
    ).all()
    by_delivery: dict[uuid.UUID, list[DeliveryAttempt]] = {}
    for a in attempts:
        by_delivery.setdefault(a.delivery_id, []).append(a)
    return [(d, by_delivery.get(d.id, [])) for d in deliveries], nxt
