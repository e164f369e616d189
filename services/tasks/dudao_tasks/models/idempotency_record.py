from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from ..common.time import utcnow
from .base import TasksModel


class IdempotencyRecord(TasksModel, table=True):
    """The first response to a keyed request; replays return it instead of a second record."""

    __tablename__ = "idempotency_record"
    __table_args__ = (
        sa.UniqueConstraint("principal_sub", "scope", "key", name="uq_idempotency_key"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    principal_sub: str = Field(max_length=200)
    scope: str = Field(max_length=40)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
