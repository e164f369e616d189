from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

_assignment_version = version_column()


class Assignment(TasksModel, table=True):
    """A task given to a unit as lead (牵头) or co (配合), with the unit's progress on it."""

    __tablename__ = "assignment"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "unit_id", name="uq_assignment_item_unit"),
        sa.Index("ix_assignment_unit_plan", "unit_id", "plan_id", "light"),
        sa.Index("ix_assignment_plan_status", "plan_id", "status"),
        # Keyset pages of the assignment lists: each filter and order has its own walk.
        sa.Index("ix_assignment_created", "created_at", "id"),
        sa.Index("ix_assignment_updated", "updated_at", "id"),
        sa.Index("ix_assignment_unit_created", "unit_id", "created_at", "id"),
        sa.Index("ix_assignment_plan_created", "plan_id", "created_at", "id"),
        sa.Index("ix_assignment_plan_unit_light", "plan_id", "unit_id", "light"),
        sa.Index(
            "ix_assignment_light_until",
            "light_until",
            postgresql_where=sa.text("light_until IS NOT NULL"),
        ),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _assignment_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", ondelete="CASCADE")
    item_id: uuid.UUID = Field(foreign_key="item.id", ondelete="CASCADE", index=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", ondelete="RESTRICT")
    role: str = Field(max_length=10)
    status: str = Field(default="not_started", max_length=20)
    percent: Decimal | None = Field(default=None, sa_type=sa.Numeric(5, 2))
    last_report_on: dt.date | None = None
    completed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reviewed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reviewed_by: str | None = Field(default=None, max_length=200)
    return_reason: str | None = Field(default=None, max_length=2000)
    # 交办: when the unit was given the task (and told of it), and by whom.
    assigned_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    assigned_by: str | None = Field(default=None, max_length=200)
    # 签收: the unit's acknowledgement; the plan's supervision rules set how soon it is due.
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    acknowledged_by: str | None = Field(default=None, max_length=200)
    # An approved extension (延期) replaces the task's last deadline for this unit only;
    # ``original_due_on`` keeps the deadline that stood before the first extension.
    due_on: dt.date | None = None
    original_due_on: dt.date | None = None
    # The stored light (亮灯), written in the transaction of every change that moves it and by
    # the daily sweep when only the date does (``plans.light_store``). Derived, so not versioned:
    # a light moving does not invalidate a client's ETag. ``light_on`` is the date it was
    # computed for and ``light_until`` the first date it may differ (None: never by time alone).
    light: str = Field(default="green", max_length=10, sa_column_kwargs={"server_default": "green"})
    light_reasons: list[str] = Field(
        default_factory=list,
        sa_type=postgresql.ARRAY(sa.String(30)),
        sa_column_kwargs={"server_default": "{}"},
    )
    light_overdue: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    light_due_soon: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    light_next_due_on: dt.date | None = None
    light_on: dt.date | None = None
    light_until: dt.date | None = None
    # Bumped by SQLAlchemy on every UPDATE, which also checks it (optimistic concurrency).
    version: int = Field(default=1, sa_column=_assignment_version)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )


def effective_deadlines(dates: Sequence[dt.date], due_on: dt.date | None) -> list[dt.date]:
    """The deadlines one unit works to: the task's, with the last one replaced by an approved
    extension (stage deadlines after the new date fall away with it)."""
    if due_on is None or not dates:
        return list(dates) if due_on is None else [due_on]
    last = max(dates)
    return sorted({d for d in dates if d != last and d < due_on} | {due_on})
