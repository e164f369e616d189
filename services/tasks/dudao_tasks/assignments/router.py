from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import select

from dudao_shared.api import Cursor, IdempotencyKey, IfMatch, Limit, Page, set_etag
from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)

from ..common.access import require_region, unit_scope
from ..common.pagination import paginate
from ..common.time import Today
from ..common.versioning import require_version
from ..items.models import Item
from ..plans.models import Plan
from ..reports import idempotency
from ..reports import service as reports_service
from ..reports.models import ProgressReport
from ..reports.schemas import ReportCreate, ReportRead
from . import service
from .dependencies import OwnAssignment, ReadableAssignment
from .models import Assignment
from .schemas import AssignmentRead, AssignmentUpdate, ReviewDecision
from .service import (
    AssignmentLocked,
    AssignmentNotFound,
    FieldForbidden,
    LeadRequired,
    NotAwaitingReview,
)

router = APIRouter(prefix="/api/v1/assignments", tags=["assignments"])

ORDERS = {"created_at": Assignment.created_at, "updated_at": Assignment.updated_at}


async def _require_plan_region(session: SessionDep, principal: CurrentPrincipal, plan_id: uuid.UUID) -> None:
    plan = await session.get(Plan, plan_id)
    require_region(principal, plan.region_code if plan else None)


@router.get("", response_model=Page[AssignmentRead], responses=problem_responses(ValidationFailed))
async def list_assignments(
    principal: CurrentPrincipal,
    session: SessionDep,
    today: Today,
    plan_id: uuid.UUID | None = Query(None, description="规划"),
    task_id: uuid.UUID | None = Query(None, description="任务"),
    unit_id: uuid.UUID | None = Query(None, description="单位（单位令牌始终为本单位）"),
    status_: str | None = Query(None, alias="status", max_length=20, description="状态"),
    role: str | None = Query(None, max_length=10, description="lead 或 co"),
    due_before: dt.date | None = Query(None, description="最后完成时限不晚于"),
    due_after: dt.date | None = Query(None, description="最后完成时限不早于"),
    order: str | None = Query(None, max_length=30, description="created_at、updated_at，前加 - 倒序"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AssignmentRead]:
    """任务分工列表（单位令牌只看到本单位的）"""
    stmt = select(Assignment)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(Assignment.unit_id == unit)
    if unit_id:
        stmt = stmt.where(Assignment.unit_id == unit_id)
    if plan_id:
        stmt = stmt.where(Assignment.plan_id == plan_id)
    if task_id:
        stmt = stmt.where(Assignment.item_id == task_id)
    if status_:
        stmt = stmt.where(Assignment.status == status_)
    if role:
        stmt = stmt.where(Assignment.role == role)
    if due_before or due_after:
        due = select(Item.id)
        if due_before:
            due = due.where(Item.due_on <= due_before)  # type: ignore[operator]
        if due_after:
            due = due.where(Item.due_on >= due_after)  # type: ignore[operator]
        stmt = stmt.where(Assignment.item_id.in_(due))  # type: ignore[attr-defined]
    rows, nxt = await paginate(session, stmt, id_column=Assignment.id, order=order,  # type: ignore[arg-type]
                               allowed=ORDERS, default="created_at", limit=limit, cursor=cursor)
    return Page(items=await service.to_reads(session, rows, today), next_cursor=nxt)


@router.get(
    "/{assignment_id}", response_model=AssignmentRead,
    responses=problem_responses(AssignmentNotFound),
)
async def get_assignment(
    assignment: ReadableAssignment, session: SessionDep, today: Today, response: Response
) -> AssignmentRead:
    """查看任务分工（含完成时限与亮灯）"""
    set_etag(response, assignment.version)
    return (await service.to_reads(session, [assignment], today))[0]


@router.patch(
    "/{assignment_id}",
    response_model=AssignmentRead,
    responses=problem_responses(AssignmentNotFound, FieldForbidden, AssignmentLocked, LeadRequired,
                                ValidationFailed, PreconditionFailed, PreconditionRequired),
)
async def update_assignment(
    principal: CurrentPrincipal,
    assignment: OwnAssignment,
    session: SessionDep,
    body: AssignmentUpdate,
    today: Today,
    response: Response,
    if_match: IfMatch = None,
) -> AssignmentRead:
    """更新任务分工：单位设置状态（completed 即提交审核）；规划人员调整牵头 / 配合"""
    if principal.role == "leader":
        raise Forbidden("领导角色只读", code="role_forbidden")
    if principal.role == "planner":
        await _require_plan_region(session, principal, assignment.plan_id)
    expected = require_version(if_match, assignment.version)
    row = await service.update_assignment(session, principal=principal, assignment=assignment,
                                          expected=expected, data=body)
    set_etag(response, row.version)
    return (await service.to_reads(session, [row], today))[0]


@router.delete(
    "/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(AssignmentNotFound, Forbidden, LeadRequired, PreconditionFailed,
                                PreconditionRequired),
)
async def delete_assignment(
    principal: StaffWriter, assignment: ReadableAssignment, session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """取消任务分工"""
    await _require_plan_region(session, principal, assignment.plan_id)
    expected = require_version(if_match, assignment.version)
    await service.delete_assignment(session, principal=principal, assignment=assignment,
                                    expected=expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{assignment_id}/review",
    response_model=AssignmentRead,
    responses=problem_responses(AssignmentNotFound, Forbidden, NotAwaitingReview, ValidationFailed,
                                PreconditionFailed, PreconditionRequired),
)
async def review_assignment(
    principal: StaffWriter,
    assignment: ReadableAssignment,
    session: SessionDep,
    body: ReviewDecision,
    today: Today,
    response: Response,
    if_match: IfMatch = None,
) -> AssignmentRead:
    """审核单位提交的完成情况：通过或退回（退回须填写原因）"""
    await _require_plan_region(session, principal, assignment.plan_id)
    expected = require_version(if_match, assignment.version)
    row = await service.review(session, principal=principal, assignment=assignment,
                               expected=expected, data=body)
    set_etag(response, row.version)
    return (await service.to_reads(session, [row], today))[0]


@router.get(
    "/{assignment_id}/reports",
    response_model=Page[ReportRead],
    responses=problem_responses(AssignmentNotFound, ValidationFailed),
)
async def list_assignment_reports(
    principal: CurrentPrincipal,
    assignment: ReadableAssignment,
    session: SessionDep,
    order: str | None = Query(None, max_length=30, description="created_at、reported_on，前加 - 倒序"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReportRead]:
    """任务分工的进展报告"""
    items, nxt = await reports_service.list_reports(
        session, principal=principal, where=ProgressReport.assignment_id == assignment.id, order=order, limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.post(
    "/{assignment_id}/reports",
    response_model=ReportRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(AssignmentNotFound, Forbidden, AssignmentLocked, ValidationFailed,
                                idempotency.IdempotencyKeyReused,
                                idempotency.IdempotencyInProgress),
)
async def create_report(
    principal: CurrentPrincipal,
    assignment: OwnAssignment,
    session: SessionDep,
    body: ReportCreate,
    today: Today,
    idempotency_key: IdempotencyKey = None,
) -> ReportRead | JSONResponse:
    """填报进展（可同时设置状态；带 Idempotency-Key 重试不会重复填报）"""
    if principal.role == "leader":
        raise Forbidden("领导角色只读", code="role_forbidden")
    if principal.role == "planner":
        await _require_plan_region(session, principal, assignment.plan_id)
    claim = None
    if idempotency_key:
        digest = idempotency.request_hash(
            "report", str(assignment.id), body.model_dump(mode="json")
        )
        claim = await idempotency.claim(session, principal=principal, scope="report.create",
                                        key=idempotency_key, digest=digest)
        if claim.replay is not None:
            code, payload = claim.replay
            return JSONResponse(payload, status_code=code, headers={"Idempotent-Replayed": "true"})
    report = await reports_service.create_report(
        session, principal=principal, assignment=assignment, data=body, today=today
    )
    out = (await reports_service.to_reads(session, [report]))[0]
    if claim is not None and claim.record_id is not None:
        await idempotency.complete(session, claim.record_id, 201, out.model_dump(mode="json"))
    return out


