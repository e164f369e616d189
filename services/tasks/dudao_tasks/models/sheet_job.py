from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlmodel import Field

from dudao_shared.sheet_jobs import SheetImportRoute, SheetJobBase, sheet_import_route

from ..common.sheet_jobs import SHEET_JOBS_PATH
from .base import TasksModel


class SheetJob(SheetJobBase, TasksModel, table=True):
    """A spreadsheet import too large for a request, run by the worker (units, assignments)."""

    __tablename__ = "sheet_job"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)


# The import routes' one dependency: a file too large for a request becomes a row of this table.
SheetImport = Annotated[SheetImportRoute, Depends(sheet_import_route(SheetJob, SHEET_JOBS_PATH))]
