from __future__ import annotations

from typing import Annotated, ClassVar

from fastapi import Depends

from dudao_shared.sheet_jobs import SheetImportRoute, SheetJobBase, sheet_import_route

from ..common import SHEET_JOBS_PATH
from .base import IndicatorsModel, id_field


class SheetJob(SheetJobBase, IndicatorsModel, table=True):
    """A spreadsheet import too large for a request, run by the worker (measurements, targets)."""

    __tablename__: ClassVar[str] = "sheet_job"

    id: str = id_field()


# The import routes' one dependency: a file too large for a request becomes a row of this table.
SheetImport = Annotated[SheetImportRoute, Depends(sheet_import_route(SheetJob, SHEET_JOBS_PATH))]
