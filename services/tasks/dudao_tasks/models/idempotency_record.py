from __future__ import annotations

import uuid

from sqlmodel import Field

from dudao_shared.idempotency import IdempotencyRecordBase, idempotency_table_args

from .base import TasksModel


class IdempotencyRecord(IdempotencyRecordBase, TasksModel, table=True):
    """The first response to a keyed request; replays return it instead of a second record."""

    __tablename__ = "idempotency_record"
    __table_args__ = idempotency_table_args()

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
