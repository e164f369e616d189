from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Column, DateTime, String
from sqlmodel import Field

from .base import TasksModel


class PlanImport(TasksModel, table=True):
    """One confirmed import of a document: how a second import of the same text is caught."""

    __tablename__ = "plan_import"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    source_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    source_name: str | None = Field(default=None, max_length=300)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
