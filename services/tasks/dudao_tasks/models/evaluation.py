from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

_evaluation_version = version_column()


class Evaluation(TasksModel, table=True):
    """A snapshot of one plan (or all plans of a region) at a date: 年度考核, 中期评估,
    终期评估 or a custom kind. A draft is recomputed at will; once issued, ``data`` (everything
    it was computed from and found) and ``narrative`` never change again."""

    __tablename__ = "evaluation"
    __table_args__ = (
        sa.Index("ix_evaluation_plan_as_of", "plan_id", "as_of"),
        sa.Index("ix_evaluation_region_as_of", "region_code", "as_of"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _evaluation_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # One plan, or None for all plans of ``region_code``.
    plan_id: uuid.UUID | None = Field(default=None, foreign_key="plan.id", ondelete="CASCADE")
    region_code: str = Field(max_length=6)
    kind: str = Field(max_length=20)
    kind_label: str = Field(max_length=50)
    title: str = Field(max_length=300)
    as_of: dt.date
    status: str = Field(default="draft", max_length=10)
    scoring: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    narrative: str = Field(default="", sa_type=sa.Text)
    # Once a person edits the narrative, a recompute keeps their words.
    narrative_edited: bool = False
    computed_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    issued_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    issued_by: str | None = Field(default=None, max_length=200)
    # Bumped by SQLAlchemy on every UPDATE, which also checks it (optimistic concurrency).
    version: int = Field(default=1, sa_column=_evaluation_version)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )
