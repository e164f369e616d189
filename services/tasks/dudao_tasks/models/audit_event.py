from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow

from .base import TasksModel


class AuditEvent(TasksModel, table=True):
    """One recorded change: who, for which unit, when, what, before → after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_task_at", "task_id", "at"),
        sa.Index("ix_audit_event_entity", "entity", "entity_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    actor_sub: str = Field(max_length=200)
    actor_role: str = Field(max_length=20)
    actor_unit_id: uuid.UUID | None = None
    entity: str = Field(max_length=40)
    entity_id: uuid.UUID
    action: str = Field(max_length=40)
    plan_id: uuid.UUID | None = Field(default=None, index=True)
    task_id: uuid.UUID | None = None
    # The unit the change concerns (an assignment's or report's unit), for per-unit visibility.
    unit_id: uuid.UUID | None = None
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    request_id: str | None = Field(default=None, max_length=128)
    # The hash chain (``dudao_shared.audit_chain``): set by the database's insert trigger.
    seq: int | None = Field(
        default=None, sa_type=sa.BigInteger, unique=True, sa_column_kwargs={"nullable": False}
    )
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)
