from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow

from .base import TasksModel


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
