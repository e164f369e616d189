from __future__ import annotations

import uuid

from sqlmodel import Field

from dudao_shared.sheet_jobs import SheetJobBase

from .base import TasksModel


class SheetJob(SheetJobBase, TasksModel, table=True):
    """A spreadsheet import too large for a request, run by the worker (units, assignments)."""

    __tablename__ = "sheet_job"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
