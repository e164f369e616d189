from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

# The kinds of item that are work (任务 and 专栏项目), as opposed to sections that group them.
ACTIONABLE = ("task", "project")


def sort_key(parent_key: str | None, position: int) -> str:
    """Zero-padded positions from the root, so one ORDER BY gives document order."""
    own = f"{position:05d}"
    return f"{parent_key}.{own}" if parent_key else own


_item_version = version_column()


class Item(TasksModel, table=True):
    """A numbered entry of a plan: a section, a task or a project (in a 专栏)."""

    __tablename__ = "item"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "code", name="uq_item_plan_code"),
        # Each keyset list of a plan's tasks walks one of these in page order (document order,
        # optionally within a status or a light), so a page costs the same in any plan size.
        sa.Index("ix_item_plan_sort", "plan_id", "sort_key", "id"),
        sa.Index("ix_item_plan_status", "plan_id", "status", "sort_key", "id"),
        sa.Index("ix_item_plan_light", "plan_id", "light", "sort_key", "id"),
        # The daily sweep finds the lights the date moves without scanning the rest.
        sa.Index(
            "ix_item_light_until",
            "light_until",
            postgresql_where=sa.text("light_until IS NOT NULL"),
        ),
        # One copy of a delivered task per receiving plan (that is, per region).
        sa.UniqueConstraint("source_item_id", "plan_id", name="uq_item_source_plan"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _item_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", ondelete="CASCADE")
    parent_id: uuid.UUID | None = Field(
        default=None, foreign_key="item.id", ondelete="CASCADE", index=True
    )
    kind: str = Field(max_length=20)
    code: str = Field(max_length=200)
    label: str = Field(max_length=40)
    title: str = Field(max_length=500)
    body: str | None = Field(default=None, sa_type=sa.Text)
    # This year's deliverable (年度目标/成果) of an annual key task.
    deliverable: str | None = Field(default=None, sa_type=sa.Text)
    # The higher plan's task this item is a region's copy of (cascade of a collective task).
    source_item_id: uuid.UUID | None = Field(
        default=None, foreign_key="item.id", ondelete="CASCADE", index=True
    )
    position: int = 0
    # Zero-padded positions from the root ("0001.0003"): document order in one ORDER BY.
    sort_key: str = Field(max_length=400)
    # A task's state follows its lead assignment (derived, kept here for filters and counts).
    status: str = Field(default="not_started", max_length=20)
    # The last deadline, kept for due-date filters; the deadlines themselves are rows.
    due_on: dt.date | None = None
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
    version: int = Field(default=1, sa_column=_item_version)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )


class ItemDeadline(TasksModel, table=True):
    """A completion date stated in an item, with the words it came from."""

    __tablename__ = "item_deadline"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    item_id: uuid.UUID = Field(foreign_key="item.id", ondelete="CASCADE", index=True)
    due_on: dt.date
    text: str | None = Field(default=None, max_length=200)
    position: int = 0


class ItemLink(TasksModel, table=True):
    """A task that serves another plan's task: ``implements`` (a lower plan's task carries out
    a higher plan's, or a region's own task covers its delivered copy) or ``advances`` (an
    annual key task advances a multi-year plan's task). Many to many both ways."""

    __tablename__ = "item_link"
    __table_args__ = (sa.UniqueConstraint("item_id", "target_id", name="uq_item_link_pair"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    item_id: uuid.UUID = Field(foreign_key="item.id", ondelete="CASCADE", index=True)
    target_id: uuid.UUID = Field(foreign_key="item.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
