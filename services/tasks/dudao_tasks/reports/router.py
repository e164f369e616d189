from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, File, Request, Response, UploadFile, status

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses

from ..common.access import require_region
from ..config import Settings
from ..plans.models import Plan
from . import service
from .dependencies import OwnReport, ReadableFile, ReadableReport, StorageDep
from .schemas import FileRead, ReportRead
from .service import FileNotFound, FileTooLarge, FileTypeNotAllowed, ReportNotFound

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
files_router = APIRouter(prefix="/api/v1/files", tags=["files"])


@router.get("/{report_id}", response_model=ReportRead, responses=problem_responses(ReportNotFound))
async def get_report(report: ReadableReport, session: SessionDep) -> ReportRead:
    """查看进展报告"""
    return (await service.to_reads(session, [report]))[0]


@router.get(
    "/{report_id}/files", response_model=list[FileRead], responses=problem_responses(ReportNotFound)
)
async def list_report_files(report: ReadableReport, session: SessionDep) -> list[FileRead]:
    """进展报告的佐证材料"""
    files = (await service.files_of(session, [report.id])).get(report.id, [])
    return [FileRead.model_validate(f) for f in files]


@router.post(
    "/{report_id}/files",
    response_model=FileRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(ReportNotFound, Forbidden, FileTooLarge, FileTypeNotAllowed,
                                ValidationFailed),
)
async def upload_file(
    request: Request,
    principal: CurrentPrincipal,
    report: OwnReport,
    session: SessionDep,
    storage: StorageDep,
    file: UploadFile = File(description="pdf、jpg、png、docx、xlsx、doc、xls、txt"),
) -> FileRead:
    """上传佐证材料（按内容识别类型，限制大小）"""
    if principal.role == "leader":
        raise Forbidden("领导角色只读", code="role_forbidden")
    if principal.role == "planner":
        plan = await session.get(Plan, report.plan_id)
        require_region(principal, plan.region_code if plan else None)
    settings: Settings = request.app.state.settings
    max_bytes = settings.max_upload_mb * 1024 * 1024
    data = await file.read(max_bytes + 1)
    row = await service.add_file(session, principal=principal, report=report, data=data,
                                 filename=file.filename, storage=storage, max_bytes=max_bytes)
    return FileRead.model_validate(row)


@files_router.get("/{file_id}", response_model=FileRead, responses=problem_responses(FileNotFound))
async def get_file(evidence: ReadableFile) -> FileRead:
    """查看佐证材料信息"""
    return FileRead.model_validate(evidence)


@files_router.get(
    "/{file_id}/content",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "文件内容"},
               **problem_responses(FileNotFound)},
)
async def download_file(evidence: ReadableFile, storage: StorageDep) -> Response:
    """下载佐证材料"""
    try:
        data = await storage.get(evidence.storage_key)
    except (FileNotFoundError, ValueError):
        raise FileNotFound("文件内容已不存在") from None
    return Response(
        data,
        media_type=evidence.content_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"file\"; filename*=UTF-8''{quote(evidence.filename)}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{evidence.sha256}"',
        },
    )
