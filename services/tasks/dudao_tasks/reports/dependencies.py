from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep

from ..common.access import unit_scope
from ..common.ids import parse_id
from .models import EvidenceFile, ProgressReport
from .service import FileNotFound, ReportNotFound, unit_can_see_report
from .storage import Storage


async def readable_report(
    report_id: str, principal: CurrentPrincipal, session: SessionDep
) -> ProgressReport:
    rid = parse_id(report_id, ReportNotFound())
    stmt = select(ProgressReport).where(ProgressReport.id == rid)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(unit_can_see_report(unit))
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise ReportNotFound()
    return row


async def own_report(
    report_id: str, principal: CurrentPrincipal, session: SessionDep
) -> ProgressReport:
    rid = parse_id(report_id, ReportNotFound())
    stmt = select(ProgressReport).where(ProgressReport.id == rid)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(ProgressReport.unit_id == unit)
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise ReportNotFound()
    return row


async def readable_file(
    file_id: str, principal: CurrentPrincipal, session: SessionDep
) -> EvidenceFile:
    """A file is visible exactly when its report is."""
    fid = parse_id(file_id, FileNotFound())
    stmt = (
        select(EvidenceFile)
        .join(ProgressReport, ProgressReport.id == EvidenceFile.report_id)  # type: ignore[arg-type]
        .where(EvidenceFile.id == fid)
    )
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(unit_can_see_report(unit))
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise FileNotFound()
    return row


def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


ReadableReport = Annotated[ProgressReport, Depends(readable_report)]
OwnReport = Annotated[ProgressReport, Depends(own_report)]
ReadableFile = Annotated[EvidenceFile, Depends(readable_file)]
StorageDep = Annotated[Storage, Depends(get_storage)]
