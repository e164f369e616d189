"""Extension requests (延期申请) of assignments and their decisions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.versioning import IfMatchVersion, require_version, set_etag

from ..assignments.dependencies import WorkableAssignment
from ..assignments.service import AssignmentLocked, AssignmentNotFound
from . import service
from .dependencies import DecidableExtension, ReadableExtension, VisibleExtensions
from .schemas import ExtensionCreate, ExtensionDecision, ExtensionRead
from .service import ExtensionDecided, ExtensionNotFound, ExtensionPending

router = APIRouter(tags=["extension_requests"])


@router.post(
    "/api/v1/assignments/{assignment_id}/extension_requests",
    response_model=ExtensionRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        AssignmentNotFound, Forbidden, AssignmentLocked, ExtensionPending, ValidationFailed
    ),
)
async def create_extension_request(
    principal: CurrentPrincipal,
    assignment: WorkableAssignment,
    body: ExtensionCreate,
    session: SessionDep,
    today: Today,
    response: Response,
) -> ExtensionRead:
    """申请延期（新的完成时限不得早于今天，须晚于现有时限；同时只能有一个待审批的申请）"""
    row = await service.create_request(
        session, principal=principal, assignment=assignment, data=body, today=today
    )
    set_etag(response, row.version)
    return service.to_read(row)


@router.get(
    "/api/v1/extension_requests",
    response_model=Page[ExtensionRead],
    responses=problem_responses(ValidationFailed),
)
async def list_extension_requests(
    visible: VisibleExtensions,
    session: SessionDep,
    plan_id: uuid.UUID | None = Query(None, description="规划"),
    assignment_id: uuid.UUID | None = Query(None, description="任务分工"),
    status_: str | None = Query(None, alias="status", max_length=20, description="状态"),
    order: str | None = Query(None, max_length=30, description="created_at，前加 - 倒序"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ExtensionRead]:
    """延期申请列表（单位令牌只看到本单位的）"""
    rows, nxt = await service.list_requests(
        session,
        visible=visible,
        plan_id=plan_id,
        assignment_id=assignment_id,
        status=status_,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[service.to_read(r) for r in rows], next_cursor=nxt)


@router.get(
    "/api/v1/extension_requests/{extension_id}",
    response_model=ExtensionRead,
    responses=problem_responses(ExtensionNotFound),
)
async def get_extension_request(request: ReadableExtension, response: Response) -> ExtensionRead:
    """查看延期申请"""
    set_etag(response, request.version)
    return service.to_read(request)


@router.post(
    "/api/v1/extension_requests/{extension_id}/decision",
    response_model=ExtensionRead,
    responses=problem_responses(
        ExtensionNotFound,
        Forbidden,
        ExtensionDecided,
        ValidationFailed,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def decide_extension_request(
    principal: StaffWriter,
    request: DecidableExtension,
    body: ExtensionDecision,
    session: SessionDep,
    today: Today,
    response: Response,
    expected: IfMatchVersion,
) -> ExtensionRead:
    """审批延期申请：批准后该单位的完成时限改为申请的日期（原时限保留）；不批准须说明理由"""
    require_version(request.version, expected)
    row = await service.decide(
        session, principal=principal, request=request, data=body, today=today
    )
    set_etag(response, row.version)
    return service.to_read(row)
