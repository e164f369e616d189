"""POST /api/v1/plans/import: a plan document in, a preview or a tracked plan out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from dudao_shared.auth import StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.parsed_plan import ParsedPlan

from ..common.access import require_region
from . import service
from .schemas import ImportPreview, ImportResult

router = APIRouter(prefix="/api/v1/plans", tags=["import"])

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@router.post(
    "/import",
    response_model=ImportPreview | ImportResult,
    responses=problem_responses(ValidationFailed, Forbidden, Conflict, PayloadTooLarge,
                                UnsupportedMediaType, ServiceUnavailable),
)
async def import_plan(
    request: Request,
    principal: StaffWriter,
    session: SessionDep,
    file: Annotated[UploadFile | None, File(description="规划文件：.txt .md .docx .pdf")] = None,
    text: Annotated[str | None, Form(max_length=2_000_000, description="或直接粘贴正文")] = None,
    dry_run: Annotated[bool, Query(description="只预览不创建（默认）")] = True,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$", description="规划所属区划；不填则从发文机关识别")] = None,
    create_missing_units: Annotated[bool, Query(description="确认时为未匹配的责任单位新建单位")] = False,
) -> Any:
    """导入规划文件：预览（dry_run=true）或确认创建规划、任务、分工和指标"""
    parsed, source_name = await _parse(file, text)
    preview = await service.build_preview(
        session, parsed=parsed, region_code=region_code,
        create_missing_units=create_missing_units, source_name=source_name,
    )
    require_region(principal, preview.region_code)
    if dry_run:
        return preview
    result = await service.confirm_import(
        session, principal=principal, parsed=parsed, preview=preview,
        create_missing_units=create_missing_units,
        indicators_client=getattr(request.app.state, "indicators_client", None),
    )
    return JSONResponse(result.model_dump(mode="json"), status_code=201)


async def _parse(file: UploadFile | None, text: str | None) -> tuple[ParsedPlan, str | None]:
    if (file is None) == (text is None):
        raise ValidationFailed("请上传文件或粘贴正文（二选一）",
                               errors=[{"field": "file", "message": "file 与 text 只能填一个"}])
    if text is not None:
        if not text.strip():
            raise ValidationFailed("正文为空", errors=[{"field": "text", "message": "不能为空"}])
        return await service.parse_document(text.encode("utf-8"), None, field="text"), None
    assert file is not None
    data = await file.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge("文件超过 20 MB", code="document_too_large",
                              errors=[{"field": "file", "message": "max_bytes: 上限 20 MB"}])
    name = (file.filename or "document.txt")[-200:]
    return await service.parse_document(data, name, field="file"), name
