from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow

from .base import IndicatorsModel, id_field


class AuditEvent(IndicatorsModel, table=True):
    """One recorded change of an indicator, target, grant or measurement: who (and for which
    unit), when, what, before → after. Hash-chained (``dudao_shared.audit_chain``); the
    services' role may insert here, never update or delete."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: str = id_field()
    at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    actor_sub: str = Field(max_length=200)
    actor_role: str = Field(max_length=20)
    actor_unit_id: str | None = Field(default=None, max_length=64)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=36)
    action: str = Field(max_length=40)
    indicator_id: str | None = Field(default=None, max_length=36, index=True)
    plan_id: str | None = Field(default=None, max_length=64, index=True)
    region_code: str | None = Field(default=None, max_length=6)
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    request_id: str | None = Field(default=None, max_length=128)
    # The hash chain: set by the database's insert trigger.
    seq: int | None = Field(
        default=None, sa_type=sa.BigInteger, unique=True, sa_column_kwargs={"nullable": False}
    )
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)
