"""Notifications: the in-app inbox (notice), where a recipient is also reached (contact), and
each outbound message with its attempts (delivery, delivery_attempt: the outbox and its log)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow

from .base import TasksModel


class Notice(TasksModel, table=True):
    """One message in one inbox: a unit's (``recipient_unit_id``) or a staff user's
    (``recipient_user``, the account's subject). Written once; only ``read_at`` changes."""

    __tablename__ = "notice"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key", name="uq_notice_dedupe_key"),
        sa.CheckConstraint(
            "(recipient_unit_id IS NULL) <> (recipient_user IS NULL)", name="ck_notice_recipient"
        ),
        sa.Index("ix_notice_unit_created", "recipient_unit_id", "created_at", "id"),
        sa.Index("ix_notice_user_created", "recipient_user", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    recipient_unit_id: uuid.UUID | None = Field(
        default=None, foreign_key="unit.id", ondelete="CASCADE"
    )
    recipient_user: str | None = Field(default=None, max_length=200)
    # What it is about, for filters: due_soon, overdue, no_report, not_acknowledged, urge, ...
    kind: str = Field(max_length=40)
    title: str = Field(max_length=300)
    body: str = Field(default="", sa_type=sa.Text)
    plan_id: uuid.UUID | None = Field(default=None, foreign_key="plan.id", ondelete="CASCADE")
    assignment_id: uuid.UUID | None = Field(
        default=None, foreign_key="assignment.id", ondelete="CASCADE"
    )
    # The same event never makes a second notice, whoever raises it and however often.
    dedupe_key: str = Field(max_length=300)
    created_by: str = Field(default="system", max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    read_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class Contact(TasksModel, table=True):
    """Where a unit (or a staff user) is reached besides the inbox: an e-mail address, a mobile
    number, a webhook URL (with its signing secret) or a 赣政通 account."""

    __tablename__ = "contact"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "channel", "target", name="uq_contact_unit_channel_target"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", ondelete="CASCADE", index=True)
    channel: str = Field(max_length=20)
    target: str = Field(max_length=500)
    secret: str | None = Field(default=None, max_length=200)
    enabled: bool = True
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class Delivery(TasksModel, table=True):
    """One outbound message on one channel to one target (the outbox row). Written in the
    transaction of the change it reports; sent by a job; ``dedupe_key`` makes it once."""

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key", name="uq_delivery_dedupe_key"),
        sa.Index("ix_delivery_notice", "notice_id"),
        sa.Index("ix_delivery_status_created", "status", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    channel: str = Field(max_length=20)
    target: str = Field(max_length=500)
    # What is sent: a subject and text for people, the JSON body for a webhook.
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # The webhook signing secret (whsec_…) when the channel signs.
    secret: str | None = Field(default=None, max_length=200)
    dedupe_key: str = Field(max_length=300)
    notice_id: uuid.UUID | None = Field(default=None, foreign_key="notice.id", ondelete="CASCADE")
    # pending → sent, or dead after the last attempt failed.
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    sent_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class DeliveryAttempt(TasksModel, table=True):
    """Each try of a delivery, kept: the delivery log staff read."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (
        sa.UniqueConstraint("delivery_id", "attempt", name="uq_delivery_attempt_number"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="delivery.id", ondelete="CASCADE")
    attempt: int
    ok: bool
    status_code: int | None = None
    error: str | None = Field(default=None, sa_type=sa.Text)
    duration_ms: int = 0
    worker: str | None = Field(default=None, max_length=100)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
