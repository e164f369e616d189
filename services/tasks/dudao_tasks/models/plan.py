from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

_plan_version = version_column()


class Plan(TasksModel, table=True):
    """One policy document whose tasks are tracked (规划 / 方案 / 计划 / 意见)."""

    __tablename__ = "plan"
    __table_args__ = (
        sa.Index("ix_plan_region_status", "region_code", "status"),
        # The public feed lists disclosed plans newest first.
        sa.Index(
            "ix_plan_disclosed",
            "created_at",
            "id",
            postgresql_where=sa.text("disclosed"),
        ),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _plan_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    title: str = Field(max_length=300)
    doc_number: str | None = Field(default=None, max_length=100)
    issuer: str | None = Field(default=None, max_length=200)
    issued_on: dt.date | None = None
    period_start: int | None = None
    period_end: int | None = None
    level: str = Field(max_length=20)
    region_code: str = Field(max_length=6)
    status: str = Field(default="draft", max_length=20)
    parent_plan_id: uuid.UUID | None = Field(
        default=None, foreign_key="plan.id", ondelete="SET NULL", index=True
    )
    # What the plan is: its own plan ("plan"), an annual key-task list derived from a
    # multi-year plan ("annual"), or a region's copy of the tasks a higher plan delivered to
    # it collectively ("delivered", 承接任务; its parent is the delivering plan).
    kind: str = Field(default="plan", max_length=20)
    year: int | None = None
    annual_of_id: uuid.UUID | None = Field(
        default=None, foreign_key="plan.id", ondelete="SET NULL", index=True
    )
    source_text: str | None = Field(default=None, sa_type=sa.Text)
    light_rules: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # 公开: the owner's decision that portals may read the plan in the public feed; separate
    # from ``status`` because a plan in force is not public until someone says so.
    disclosed: bool = Field(default=False)
    disclosed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # 督办 rules (签收时限, escalation ladder, bulletin ranking); defaults in plans.supervision_rules.
    supervision_rules: dict[str, Any] = Field(
        default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"}
    )
    # Bumped by SQLAlchemy on every UPDATE, which also checks it (optimistic concurrency).
    version: int = Field(default=1, sa_column=_plan_version)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )
