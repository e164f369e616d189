from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow

from .base import TasksModel


class EvaluationRender(TasksModel, table=True):
    """One rendering of an evaluation as a file (PDF or .xlsx), made by a worker job: its state
    and progress while it runs, the file once done. A render belongs to the evaluation's
    version it was made from (a later edit of a draft makes it outdated) and to its audience:
    staff (``unit_id`` None) see every unit's row, a unit only its own."""

    __tablename__ = "evaluation_render"
    __table_args__ = (
        sa.Index("ix_evaluation_render_lookup", "evaluation_id", "format", "unit_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    evaluation_id: uuid.UUID = Field(foreign_key="evaluation.id", ondelete="CASCADE")
    format: str = Field(max_length=10)
    unit_id: uuid.UUID | None = Field(default=None)
    evaluation_version: int
    # queued → running → done | failed
    state: str = Field(default="queued", max_length=10)
    progress: int = 0
    stage: str = Field(default="排队等候", max_length=100)
    error: str | None = Field(default=None, max_length=500)
    job_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    content: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    size: int | None = None
    requested_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    started_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    finished_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
