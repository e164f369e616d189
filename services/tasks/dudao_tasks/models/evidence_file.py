from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow

from .base import TasksModel


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
