"""Loading the document an import names and authorising the region it is for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, File, Form, Request, UploadFile

from dudao_shared.auth import StaffWriter
from dudao_shared.errors import PayloadTooLarge, ValidationFailed
from dudao_shared.http import ServiceClient
from dudao_shared.parsed_plan import ParsedPlan
from dudao_shared.regions import RegionQuery, require_region

from ..state import get_indicators_client
from .service import check_import_region, detect_region, parse_document

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    parsed: ParsedPlan
    source_name: str | None


async def parsed_upload(
    file: Annotated[UploadFile | None, File(description="规划文件：.txt .md .docx .pdf")] = None,
    text: Annotated[str | None, Form(max_length=2_000_000, description="或直接粘贴正文")] = None,
) -> Upload:
    """The document of the request (a file or pasted text, exactly one), parsed."""
    if (file is None) == (text is None):
        raise ValidationFailed(
            "请上传文件或粘贴正文（二选一）",
            errors=[{"field": "file", "message": "file 与 text 只能填一个"}],
        )
    if text is not None:
        if not text.strip():
            raise ValidationFailed("正文为空", errors=[{"field": "text", "message": "不能为空"}])
        return Upload(await parse_document(text.encode("utf-8"), None, field="text"), None)
    assert file is not None
    data = await file.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge(
            "文件超过 20 MB",
            code="document_too_large",
            errors=[{"field": "file", "message": "max_bytes: 上限 20 MB"}],
        )
    name = (file.filename or "document.txt")[-200:]
    return Upload(await parse_document(data, name, field="file"), name)


ParsedUpload = Annotated[Upload, Depends(parsed_upload)]


@dataclass(frozen=True, slots=True)
class ImportRegion:
    code: str
    source: Literal["given", "detected"]


async def import_region(
    principal: StaffWriter,
    upload: ParsedUpload,
    # The plan's region; without it, read from the issuer.
    region_code: RegionQuery = None,
) -> ImportRegion:
    """The plan's region, given or read from its issuer, known and inside the writer's."""
    if region_code is not None:
        region = ImportRegion(region_code, "given")
    else:
        detected = detect_region(upload.parsed.document)
        region = ImportRegion(detected or "", "detected")
    check_import_region(region.code)
    require_region(principal, region.code)
    return region


AuthorisedRegion = Annotated[ImportRegion, Depends(import_region)]


async def indicators_client(request: Request) -> ServiceClient | None:
    """The indicator service's client (absent in apps started without it)."""
    return get_indicators_client.find(request.app)


IndicatorsClient = Annotated[ServiceClient | None, Depends(indicators_client)]
