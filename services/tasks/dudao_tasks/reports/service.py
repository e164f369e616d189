"""Progress reports and their evidence files."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import utcnow
from dudao_shared.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.versioning import flush_versioned

from ..assignments.service import FIELDS as ASSIGNMENT_FIELDS
from ..assignments.service import check_unit_transition, sync_task_status
from ..audit_trail import diff, record, snapshot
from ..models import Assignment, EvidenceFile, ProgressReport
from ..plans.light_store import refresh_tasks
from .schemas import FileRead, ReportCreate, ReportRead
from .sniff import ALLOWED, sniff
from .storage import Storage


class ReportNotFound(NotFound):
    code, title = "report_not_found", "进展报告不存在"


class FileNotFound(NotFound):
    code, title = "file_not_found", "文件不存在"


class FileTooLarge(PayloadTooLarge):
    code, title = "file_too_large", "文件超过大小限制"


class FileTypeNotAllowed(UnsupportedMediaType):
    code, title = "file_type_not_allowed", "不支持的文件类型"


async def files_of(
    session: AsyncSession, report_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[EvidenceFile]]:
    out: dict[uuid.UUID, list[EvidenceFile]] = defaultdict(list)
    if report_ids:
        rows = await session.execute(
            select(EvidenceFile)
            .where(col(EvidenceFile.report_id).in_(report_ids))
            .order_by(col(EvidenceFile.created_at), col(EvidenceFile.id))
        )
        for f in rows.scalars():
            out[f.report_id].append(f)
    return out


async def to_reads(session: AsyncSession, rows: Sequence[ProgressReport]) -> list[ReportRead]:
    fs = await files_of(session, [r.id for r in rows])
    return [
        ReportRead.model_validate(
            {
                **r.model_dump(),
                "task_id": r.item_id,
                "files": [FileRead.model_validate(f) for f in fs.get(r.id, [])],
            }
        )
        for r in rows
    ]


async def create_report(
    session: AsyncSession,
    *,
    principal: Principal,
    assignment: Assignment,
    data: ReportCreate,
    today: dt.date,
) -> ProgressReport:
    reported_on = data.reported_on or today
    if reported_on > today:
        raise ValidationFailed(
            "填报日期不能晚于今天", errors=[{"field": "reported_on", "message": "晚于今天"}]
        )
    # Reports on one assignment take turns: each reads the state the previous one left.
    await session.refresh(assignment, with_for_update=True)
    if data.status is not None:
        check_unit_transition(assignment.status, data.status)
    report = ProgressReport(
        assignment_id=assignment.id,
        plan_id=assignment.plan_id,
        item_id=assignment.item_id,
        unit_id=assignment.unit_id,
        reported_on=reported_on,
        percent=data.percent,
        text=data.text,
        status=data.status,
        created_by=principal.sub[:200],
    )
    session.add(report)
    values: dict[str, object] = {
        "last_report_on": max(reported_on, assignment.last_report_on or reported_on),
    }
    if data.percent is not None:
        values["percent"] = data.percent
    status = data.status or ("in_progress" if assignment.status == "not_started" else None)
    if status is not None and status != assignment.status:
        values["status"] = status
        if status == "completed":
            values["completed_at"] = utcnow()
    before = snapshot(assignment, ASSIGNMENT_FIELDS)
    assignment.sqlmodel_update(values)
    await flush_versioned(session)
    record(
        session,
        principal=principal,
        entity="report",
        entity_id=report.id,
        action="create",
        after=snapshot(report, ("reported_on", "percent", "text", "status")),
        plan_id=report.plan_id,
        task_id=report.item_id,
        unit_id=report.unit_id,
    )
    b, a = diff(before, snapshot(assignment, ASSIGNMENT_FIELDS))
    if "status" in a:
        record(
            session,
            principal=principal,
            entity="assignment",
            entity_id=assignment.id,
            action="status",
            before=b,
            after=a,
            plan_id=assignment.plan_id,
            task_id=assignment.item_id,
            unit_id=assignment.unit_id,
        )
        await sync_task_status(session, assignment.item_id)
    await refresh_tasks(session, [assignment.item_id], today)
    return report


def clean_filename(raw: str | None) -> str:
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"\\/')
    return (name or "file")[:255]


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


async def store_evidence(
    *, data: bytes, filename: str | None, storage: Storage, max_bytes: int
) -> StoredEvidence:
    """Check an uploaded evidence file (size, type by content) and put its bytes in storage:
    the one way every kind of evidence (reports, 督办 answers) is accepted."""
    if len(data) > max_bytes:
        raise FileTooLarge(f"文件不能超过 {max_bytes // (1024 * 1024)} MB")
    if not data:
        raise ValidationFailed("文件为空", errors=[{"field": "file", "message": "文件为空"}])
    name = clean_filename(filename)
    kind = sniff(data, name)
    if kind is None:
        raise FileTypeNotAllowed(f"仅支持 {'、'.join(ALLOWED)}（按文件内容识别）")
    key = await storage.put(data, suffix=f".{kind}")
    return StoredEvidence(name, ALLOWED[kind], len(data), hashlib.sha256(data).hexdigest(), key)


async def add_file(
    session: AsyncSession,
    *,
    principal: Principal,
    report: ProgressReport,
    data: bytes,
    filename: str | None,
    storage: Storage,
    max_bytes: int,
) -> EvidenceFile:
    stored = await store_evidence(
        data=data, filename=filename, storage=storage, max_bytes=max_bytes
    )
    row = EvidenceFile(
        report_id=report.id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        created_by=principal.sub[:200],
    )
    session.add(row)
    await session.flush()
    record(
        session,
        principal=principal,
        entity="file",
        entity_id=row.id,
        action="create",
        after=snapshot(row, ("report_id", "filename", "content_type", "size", "sha256")),
        plan_id=report.plan_id,
        task_id=report.item_id,
        unit_id=report.unit_id,
    )
    return row


async def list_files(
    session: AsyncSession, *, report: ProgressReport, limit: int, cursor: str | None
) -> tuple[list[EvidenceFile], str | None]:
    """One page of a report's evidence files in upload order."""
    stmt = select(EvidenceFile).where(EvidenceFile.report_id == report.id)
    order_by: list[ColumnElement[Any]] = [
        col(EvidenceFile.created_at).asc(),
        col(EvidenceFile.id).asc(),
    ]
    return await paginate(session, stmt, limit=limit, cursor=cursor, order_by=order_by)


REPORT_ORDERS = {
    "created_at": col(ProgressReport.created_at),
    "reported_on": col(ProgressReport.reported_on),
}


async def list_reports(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    where: ColumnElement[bool],
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ReportRead], str | None]:
    """One page of the reports matching ``where`` among those ``visible`` to the caller."""
    stmt = select(ProgressReport).where(where, visible)
    rows, nxt = await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(
            order, REPORT_ORDERS, default="-created_at", id_column=col(ProgressReport.id)
        ),
    )
    return await to_reads(session, rows), nxt
