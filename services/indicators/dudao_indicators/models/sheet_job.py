from __future__ import annotations

from typing import ClassVar

from dudao_shared.sheet_jobs import SheetJobBase

from .base import IndicatorsModel, id_field


class SheetJob(SheetJobBase, IndicatorsModel, table=True):
    """A spreadsheet import too large for a request, run by the worker (measurements, targets)."""

    __tablename__: ClassVar[str] = "sheet_job"

    id: str = id_field()
