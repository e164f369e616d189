"""Reminders (临期提醒, 催办): a plan's rules and the log of every reminder sent.

The log is the once-only guarantee: ``dedupe_key`` is ``rule:assignment:period`` (or, for a
manual 催办, the request's own key), unique, so the same reminder is written once however many
workers sweep and however often they restart.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

_rules_version = version_column()


class ReminderRuleSet(TasksModel, table=True):
    """A plan's reminder rules; a plan without a row uses the defaults
    (``reminders.schemas.ReminderRules``). A null number turns its rule off."""

    __tablename__ = "reminder_rule_set"
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _rules_version}

    plan_id: uuid.UUID = Field(foreign_key="plan.id", ondelete="CASCADE", primary_key=True)
    due_soon_days: int | None = None
    overdue_every_days: int | None = None
    overdue_enabled: bool = True
    no_report_days: int | None = None
    not_acknowledged_days: int | None = None
    version: int = Field(default=1, sa_column=_rules_version)
    updated_by: str = Field(max_length=200)
    updated_at: dt.datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )


class Reminder(TasksModel, table=True):
    """One reminder sent: by the sweep (a rule) or by staff (催办, with a message)."""

    __tablename__ = "reminder"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key", name="uq_reminder_dedupe_key"),
        sa.Index("ix_reminder_assignment_created", "assignment_id", "created_at"),
        sa.Index("ix_reminder_unit_created", "unit_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    assignment_id: uuid.UUID | None = Field(
        default=None, foreign_key="assignment.id", ondelete="CASCADE"
    )
    unit_id: uuid.UUID = Field(foreign_key="unit.id", ondelete="CASCADE")
    plan_id: uuid.UUID | None = Field(default=None, foreign_key="plan.id", ondelete="CASCADE")
    # due_soon, overdue, no_report, not_acknowledged (the sweep) or urge (催办 by staff).
    rule: str = Field(max_length=30)
    # Which occurrence: a deadline, a window of silence, a repeat of an overdue reminder.
    period: str = Field(max_length=60)
    dedupe_key: str = Field(max_length=200)
    message: str | None = Field(default=None, sa_type=sa.Text)
    notice_id: uuid.UUID | None = Field(default=None, foreign_key="notice.id", ondelete="SET NULL")
    created_by: str = Field(default="system", max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
