from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow

from .base import TasksModel


class Bulletin(TasksModel, table=True):
    """An issued 通报: the figures as computed when it was issued, never recomputed.

    ``content`` is the whole bulletin (counts, ranking, red list); later changes of the data
    do not touch it. A scheduled bulletin is issued once per plan, region and period.
    """

    __tablename__ = "bulletin"
    __table_args__ = (
        sa.Index("ix_bulletin_plan_issued", "plan_id", "issued_at"),
        sa.Index(
            "uq_bulletin_scheduled",
            "plan_id",
            "region_code",
            "period_start",
            unique=True,
            postgresql_where=sa.text("kind = 'scheduled'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", ondelete="CASCADE")
    # The region whose units it covers (the plan's own region when not narrowed).
    region_code: str = Field(max_length=6)
    kind: str = Field(max_length=20)  # scheduled (monthly) or on_demand
    period_start: dt.date
    period_end: dt.date
    title: str = Field(max_length=300)
    content: dict[str, Any] = Field(sa_type=sa.JSON)
    issued_by: str = Field(max_length=200)
    issued_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
