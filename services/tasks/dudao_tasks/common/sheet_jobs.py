"""Where this service's import jobs are read (the routers that answer 202 point there), and the
import routes' one dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.sheet_jobs import SheetImportRoute, sheet_import_route

from ..models import SheetJob

SHEET_JOBS_PATH = "/api/v1/import_jobs"

SheetImport = Annotated[SheetImportRoute, Depends(sheet_import_route(SheetJob, SHEET_JOBS_PATH))]
