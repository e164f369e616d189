"""Loading reports and evidence files, and every authorisation a report route needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, File, Request, UploadFile
from sqlalchemy import ColumnElement, exists, or_
from sqlmodel import col, select

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden
from dudao_shared.regions import require_region

from ..common.access import unit_scope
from ..common.ids import parse_id
from ..models import Assignment, EvidenceFile, Plan, ProgressReport
from ..policy import own_rows, plan_ids_reached
from ..state import get_settings
from .service import FileNotFound, ReportNotFound
from .storage import StorageDep as StorageDep


def unit_can_see_report(unit_id: uuid.UUID) -> ColumnElement[bool]:
    """Own reports, and every report on a task the unit leads (co-units report to the lead)."""
    leads = exists().where(
        col(Assignment.item_id) == col(ProgressReport.item_id),
        col(Assignment.unit_id) == unit_id,
        col(Assignment.role) == "lead",
    )
    return or_(col(ProgressReport.unit_id) == unit_id, leads)


async def visible_reports(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff see the reports of their region's plans; a unit its own and those on the tasks it
    leads."""
    unit = unit_scope(principal)
    if unit is None:
        return plan_ids_reached(principal, ProgressReport.plan_id)
    return unit_can_see_report(unit)


async def own_reports(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff reach the reports of their region's plans; a unit only its own."""
    return own_rows(principal, ProgressReport.plan_id, ProgressReport.unit_id)


VisibleReports = Annotated[ColumnElement[bool], Depends(visible_reports)]
OwnReports = Annotated[ColumnElement[bool], Depends(own_reports)]


async def _load(session: SessionDep, raw_id: str, scope: ColumnElement[bool]) -> ProgressReport:
    rid = parse_id(raw_id, ReportNotFound())
    row = (
        await session.execute(select(ProgressReport).where(ProgressReport.id == rid, scope))
    ).scalar_one_or_none()
    if row is None:
        raise ReportNotFound()
    return row


async def readable_report(
    report_id: str, visible: VisibleReports, session: SessionDep
) -> ProgressReport:
    """A report the caller may read (404 for the rest)."""
    return await _load(session, report_id, visible)


async def own_report(report_id: str, own: OwnReports, session: SessionDep) -> ProgressReport:
    """A report of the caller's own unit (staff: any)."""
    return await _load(session, report_id, own)


ReadableReport = Annotated[ProgressReport, Depends(readable_report)]
OwnReport = Annotated[ProgressReport, Depends(own_report)]


async def writable_report(
    principal: CurrentPrincipal, report: OwnReport, session: SessionDep
) -> ProgressReport:
    """A report the caller may add evidence to: a unit its own, a planner one in the planner's
    region, an admin any; leaders only read (403 ``role_forbidden``)."""
    if principal.role == "leader":
        raise Forbidden("领导角色只读", code="role_forbidden")
    if principal.role == "planner":
        region = await session.scalar(select(Plan.region_code).where(Plan.id == report.plan_id))
        require_region(principal, region)
    return report


WritableReport = Annotated[ProgressReport, Depends(writable_report)]


async def readable_file(file_id: str, visible: VisibleReports, session: SessionDep) -> EvidenceFile:
    """A file is visible exactly when its report is."""
    fid = parse_id(file_id, FileNotFound())
    stmt = (
        select(EvidenceFile)
        .join(ProgressReport, col(ProgressReport.id) == col(EvidenceFile.report_id))
        .where(EvidenceFile.id == fid, visible)
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise FileNotFound()
    return row


ReadableFile = Annotated[EvidenceFile, Depends(readable_file)]


@dataclass(frozen=True, slots=True)
class EvidenceUpload:
    data: bytes
    filename: str | None
    max_bytes: int


async def evidence_upload(
    request: Request,
    file: UploadFile = File(description="pdf、jpg、png、docx、xlsx、doc、xls、txt"),
) -> EvidenceUpload:
    """The uploaded file, read up to one byte past the configured limit (so "too large" is
    known without reading the rest)."""
    settings = get_settings.of(request.app)
    max_bytes = settings.max_upload_mb * 1024 * 1024
    return EvidenceUpload(await file.read(max_bytes + 1), file.filename, max_bytes)


UploadedEvidence = Annotated[EvidenceUpload, Depends(evidence_upload)]
