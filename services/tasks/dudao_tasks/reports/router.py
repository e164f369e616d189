"""Progress reports of assignments and their evidence files."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse
from sqlmodel import col

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses
from dudao_shared.idempotency import (
    IdempotencyInProgress,
    IdempotencyKey,
    IdempotencyKeyReused,
    idempotent,
)
from dudao_shared.pagination import Cursor, Limit, Page

from ..assignments.dependencies import ReadableAssignment, WorkableAssignment
from ..assignments.service import AssignmentLocked, AssignmentNotFound
from ..items.dependencies import ReadableTask
from ..items.service import TaskNotFound
from ..models import IdempotencyRecord, ProgressReport
from . import service
from .dependencies import (
    ReadableFile,
    ReadableReport,
    StorageDep,
    UploadedEvidence,
    VisibleReports,
    WritableReport,
)
from .schemas import FileRead, ReportCreate, ReportRead
from .service import FileNotFound, FileTooLarge, FileTypeNotAllowed, ReportNotFound
from .storage import stored_file

router = APIRouter(tags=["reports"])

ORDER_HELP = "created_at、reported_on，前加 - 倒序"


@router.get(
    "/api/v1/tasks/{task_id}/reports",
    response_model=Page[ReportRead],
    responses=problem_responses(TaskNotFound, ValidationFailed),
)
async def list_task_reports(
    task: ReadableTask,
    visible: VisibleReports,
    session: SessionDep,
    order: str | None = Query(None, max_length=30, description=ORDER_HELP),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReportRead]:
    """任务的进展报告（配合单位的报告牵头单位可见）"""
    items, nxt = await service.list_reports(
        session,
        visible=visible,
        where=col(ProgressReport.item_id) == task.id,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.get(
    "/api/v1/assignments/{assignment_id}/reports",
    response_model=Page[ReportRead],
    responses=problem_responses(AssignmentNotFound, ValidationFailed),
)
async def list_assignment_reports(
    assignment: ReadableAssignment,
    visible: VisibleReports,
    session: SessionDep,
    order: str | None = Query(None, max_length=30, description=ORDER_HELP),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReportRead]:
    """任务分工的进展报告"""
    items, nxt = await service.list_reports(
        session,
        visible=visible,
        where=col(ProgressReport.assignment_id) == assignment.id,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.post(
    "/api/v1/assignments/{assignment_id}/reports",
    response_model=ReportRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        AssignmentNotFound,
        Forbidden,
        AssignmentLocked,
        ValidationFailed,
        IdempotencyKeyReused,
        IdempotencyInProgress,
    ),
)
async def create_report(
    principal: CurrentPrincipal,
    assignment: WorkableAssignment,
    session: SessionDep,
    body: ReportCreate,
    today: Today,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReportRead | JSONResponse:
    """填报进展（可同时设置状态；带 Idempotency-Key 重试不会重复填报）"""

    async def run() -> ReportRead:
        report = await service.create_report(
            session, principal=principal, assignment=assignment, data=body, today=today
        )
        return (await service.to_reads(session, [report]))[0]

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope=f"report:{assignment.id}",
        body=body,
        response=response,
        status_code=status.HTTP_201_CREATED,
        run=run,
    )


@router.get(
    "/api/v1/reports/{report_id}",
    response_model=ReportRead,
    responses=problem_responses(ReportNotFound),
)
async def get_report(report: ReadableReport, session: SessionDep) -> ReportRead:
    """查看进展报告"""
    return (await service.to_reads(session, [report]))[0]


@router.get(
    "/api/v1/reports/{report_id}/files",
    response_model=Page[FileRead],
    responses=problem_responses(ReportNotFound, ValidationFailed),
)
async def list_report_files(
    report: ReadableReport, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[FileRead]:
    """进展报告的佐证材料（按上传顺序）"""
    files, nxt = await service.list_files(session, report=report, limit=limit, cursor=cursor)
    return Page(items=[FileRead.model_validate(f) for f in files], next_cursor=nxt)


@router.post(
    "/api/v1/reports/{report_id}/files",
    response_model=FileRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        ReportNotFound, Forbidden, FileTooLarge, FileTypeNotAllowed, ValidationFailed
    ),
)
async def upload_file(
    principal: CurrentPrincipal,
    report: WritableReport,
    upload: UploadedEvidence,
    session: SessionDep,
    storage: StorageDep,
) -> FileRead:
    """上传佐证材料（按内容识别类型，限制大小）"""
    row = await service.add_file(
        session,
        principal=principal,
        report=report,
        data=upload.data,
        filename=upload.filename,
        storage=storage,
        max_bytes=upload.max_bytes,
    )
    return FileRead.model_validate(row)


@router.get(
    "/api/v1/files/{file_id}", response_model=FileRead, responses=problem_responses(FileNotFound)
)
async def get_file(evidence: ReadableFile) -> FileRead:
    """查看佐证材料信息"""
    return FileRead.model_validate(evidence)


@router.get(
    "/api/v1/files/{file_id}/content",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "文件内容"},
        **problem_responses(FileNotFound),
    },
)
async def download_file(evidence: ReadableFile, storage: StorageDep) -> Response:
    """下载佐证材料"""
    return await stored_file(
        storage,
        key=evidence.storage_key,
        filename=evidence.filename,
        content_type=evidence.content_type,
        sha256=evidence.sha256,
        gone=FileNotFound("文件内容已不存在"),
    )
