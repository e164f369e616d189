from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field

from .base import IndicatorsModel, created_at_field, id_field


class IdempotencyRecord(IndicatorsModel, table=True):
    """The first response to an Idempotency-Key, replayed for later requests with that key."""

    __tablename__: ClassVar[str] = "idempotency_record"
    __table_args__ = (UniqueConstraint("principal_sub", "scope", "key", name="uq_idempotency_key"),)

    id: str = id_field()
    principal_sub: str = Field(max_length=200)
    scope: str = Field(max_length=50)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int | None = Field(default=None)
    response: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = created_at_field()
