from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from ..base import TasksModel
from ..common.time import utcnow


class ProgressReport(TasksModel, table=True):
    """A unit's dated report on one assignment. Reports are kept as written (no updates)."""

    __tablename__ = "progress_report"
    __table_args__ = (sa.Index("ix_progress_report_item_created", "item_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", ondelete="CASCADE", index=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    item_id: uuid.UUID = Field(foreign_key="item.id", ondelete="CASCADE")
    unit_id: uuid.UUID = Field(foreign_key="unit.id", ondelete="RESTRICT")
    reported_on: dt.date
    percent: Decimal | None = Field(default=None, sa_type=sa.Numeric(5, 2))
    text: str = Field(sa_type=sa.Text)
    # The assignment status the report set, if any (a completion goes to review).
    status: str | None = Field(default=None, max_length=20)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class EvidenceFile(TasksModel, table=True):
    """A file attached to a report (佐证材料); the bytes live in the configured storage."""

    __tablename__ = "evidence_file"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="progress_report.id", ondelete="CASCADE", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=300)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


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
