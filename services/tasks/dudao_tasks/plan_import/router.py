"""POST /api/v1/plans/import: a plan document in, a preview or a tracked plan out."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from dudao_shared.auth import StaffWriter
from dudao_shared.clock import Today
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

from . import service
from .dependencies import AuthorisedRegion, IndicatorsClient, ParsedUpload
from .schemas import ImportPreview, ImportResult

router = APIRouter(prefix="/api/v1/plans", tags=["import"])


@router.post(
    "/import",
    response_model=ImportPreview | ImportResult,
    responses=problem_responses(
        ValidationFailed,
        Forbidden,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        ServiceUnavailable,
    ),
)
async def import_plan(
    principal: StaffWriter,
    upload: ParsedUpload,
    region: AuthorisedRegion,
    session: SessionDep,
    indicators_client: IndicatorsClient,
    today: Today,
    dry_run: Annotated[bool, Query(description="只预览不创建（默认）")] = True,
    create_missing_units: Annotated[
        bool, Query(description="确认时为未匹配的责任单位新建单位")
    ] = False,
    parent_plan_id: Annotated[
        uuid.UUID | None, Query(description="上位规划（可取预览中的 parent_plans）")
    ] = None,
) -> ImportPreview | JSONResponse:
    """导入规划文件：预览（dry_run=true）或确认创建规划、任务、分工和指标"""
    preview = await service.build_preview(
        session,
        parsed=upload.parsed,
        region_code=region.code,
        region_source=region.source,
        create_missing_units=create_missing_units,
        source_name=upload.source_name,
    )
    if dry_run:
        return preview
    result = await service.confirm_import(
        session,
        principal=principal,
        parsed=upload.parsed,
        preview=preview,
        create_missing_units=create_missing_units,
        indicators_client=indicators_client,
        today=today,
        parent_plan_id=parent_plan_id,
    )
    return JSONResponse(result.model_dump(mode="json"), status_code=201)
