from __future__ import annotations

from typing import ClassVar

from sqlmodel import Field

from dudao_shared.idempotency import IdempotencyRecordBase, idempotency_table_args

from .base import IndicatorsModel, id_field


class IdempotencyRecord(IdempotencyRecordBase, IndicatorsModel, table=True):
    """The first response to an Idempotency-Key, replayed for later requests with that key."""

    __tablename__: ClassVar[str] = "idempotency_record"
    __table_args__ = idempotency_table_args()

    id: str = id_field()
    # This service's scopes are operation names ("measurements.create"); the column has been
    # 50 characters since the first migration.
    scope: str = Field(max_length=50)
