"""Extension requests (延期申请): a unit asks for a later deadline, the planner decides.

An approval moves the assignment's own deadline (``assignment.due_on``), which lights,
reminders and escalation read; the deadline that stood before the first extension stays in
``assignment.original_due_on`` and every request stays on record whatever its outcome.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import utcnow
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.versioning import flush_versioned

from ..assignments.service import AssignmentLocked
from ..audit_trail import record, snapshot
from ..models import Assignment, ExtensionRequest, Item, ItemDeadline, Plan, effective_deadlines
from ..notifications.service import Recipient, notify
from ..plans.light_store import refresh_tasks
from .schemas import ExtensionCreate, ExtensionDecision, ExtensionRead


class ExtensionNotFound(NotFound):
    code, title = "extension_request_not_found", "延期申请不存在"


class ExtensionPending(Conflict):
    code, title = "extension_request_pending", "已有待审批的延期申请"


class ExtensionDecided(Conflict):
    code, title = "extension_request_decided", "该延期申请已审批"


FIELDS = ("requested_due_on", "reason", "status", "decided_at", "decided_by", "decision_reason")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


async def current_due_on(session: AsyncSession, assignment: Assignment) -> dt.date | None:
    """The last deadline the unit works to now (the task's, or an approved extension)."""
    dates = (
        await session.scalars(
            select(col(ItemDeadline.due_on)).where(ItemDeadline.item_id == assignment.item_id)
        )
    ).all()
    eff = effective_deadlines(list(dates), assignment.due_on)
    return max(eff) if eff else None


def to_read(row: ExtensionRequest) -> ExtensionRead:
    return ExtensionRead.model_validate({**row.model_dump(), "task_id": row.item_id})


async def create_request(
    session: AsyncSession,
    *,
    principal: Principal,
    assignment: Assignment,
    data: ExtensionCreate,
    today: dt.date,
) -> ExtensionRequest:
    if data.requested_due_on < today:
        raise _invalid("requested_due_on", "延期后的时限不能早于今天")
    await session.refresh(assignment, with_for_update=True)
    if assignment.status == "accepted":
        raise AssignmentLocked("任务已审核通过，无需延期")
    current = await current_due_on(session, assignment)
    if current is not None and data.requested_due_on <= current:
        raise _invalid("requested_due_on", f"延期后的时限须晚于现有时限 {current.isoformat()}")
    pending = await session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.assignment_id == assignment.id, ExtensionRequest.status == "pending"
        )
    )
    if pending is not None:
        raise ExtensionPending()
    row = ExtensionRequest(
        assignment_id=assignment.id,
        plan_id=assignment.plan_id,
        item_id=assignment.item_id,
        unit_id=assignment.unit_id,
        current_due_on=current,
        requested_due_on=data.requested_due_on,
        reason=data.reason.strip(),
        created_by=principal.sub[:200],
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        # The partial unique index caught a request made at the same moment.
        raise ExtensionPending() from None
    record(
        session,
        principal=principal,
        entity="extension_request",
        entity_id=row.id,
        action="create",
        after=snapshot(row, ("current_due_on", "requested_due_on", "reason", "status")),
        plan_id=row.plan_id,
        task_id=row.item_id,
        unit_id=row.unit_id,
    )
    author = await session.scalar(select(Plan.created_by).where(Plan.id == row.plan_id))
    if author:
        item = await session.get(Item, row.item_id)
        await notify(
            session,
            recipient=Recipient(user=author),
            kind="extension_requested",
            title=f"延期申请：{item.title if item else ''}"[:300],
            body=f"申请延期至 {row.requested_due_on.isoformat()}：{row.reason}"[:2000],
            dedupe_key=f"extension_requested:{row.id}",
            plan_id=row.plan_id,
            assignment_id=row.assignment_id,
            created_by=principal.sub[:200],
        )
    return row


async def decide(
    session: AsyncSession,
    *,
    principal: Principal,
    request: ExtensionRequest,
    data: ExtensionDecision,
    today: dt.date,
) -> ExtensionRequest:
    if request.status != "pending":
        raise ExtensionDecided(f"当前状态为 {request.status}")
    approve = data.decision == "approve"
    if approve and request.requested_due_on < today:
        # Approving a date already past would hand the unit a deadline it has already missed.
        raise _invalid("decision", "申请的时限已早于今天，不能批准；请单位重新申请")
    request.status = "approved" if approve else "rejected"
    request.decided_at = utcnow()
    request.decided_by = principal.sub[:200]
    request.decision_reason = (data.reason or "").strip() or None
    await flush_versioned(session)
    record(
        session,
        principal=principal,
        entity="extension_request",
        entity_id=request.id,
        action=data.decision,
        after=snapshot(request, ("status", "decided_by", "decision_reason")),
        plan_id=request.plan_id,
        task_id=request.item_id,
        unit_id=request.unit_id,
    )
    if approve:
        assignment = (
            await session.execute(
                select(Assignment)
                .where(Assignment.id == request.assignment_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        before = snapshot(assignment, ("due_on", "original_due_on"))
        if assignment.original_due_on is None:
            assignment.original_due_on = await current_due_on(session, assignment)
        assignment.due_on = request.requested_due_on
        await flush_versioned(session)
        # The unit's light follows its new deadline in the same transaction.
        await refresh_tasks(session, [assignment.item_id], today)
        record(
            session,
            principal=principal,
            entity="assignment",
            entity_id=assignment.id,
            action="extend",
            before=before,
            after=snapshot(assignment, ("due_on", "original_due_on")),
            plan_id=assignment.plan_id,
            task_id=assignment.item_id,
            unit_id=assignment.unit_id,
        )
    word = "已批准" if approve else "未获批准"
    await notify(
        session,
        recipient=Recipient(unit_id=request.unit_id),
        kind="extension_decided",
        title=f"延期申请{word}（申请延期至 {request.requested_due_on.isoformat()}）",
        body=request.decision_reason or "",
        dedupe_key=f"extension_decided:{request.id}",
        plan_id=request.plan_id,
        assignment_id=request.assignment_id,
        created_by=principal.sub[:200],
    )
    return request


ORDERS = {"created_at": col(ExtensionRequest.created_at)}


async def list_requests(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    plan_id: uuid.UUID | None,
    assignment_id: uuid.UUID | None,
    status: str | None,
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[ExtensionRequest], str | None]:
    stmt = select(ExtensionRequest).where(visible)
    if plan_id:
        stmt = stmt.where(ExtensionRequest.plan_id == plan_id)
    if assignment_id:
        stmt = stmt.where(ExtensionRequest.assignment_id == assignment_id)
    if status:
        stmt = stmt.where(ExtensionRequest.status == status)
    return await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(
            order, ORDERS, default="-created_at", id_column=col(ExtensionRequest.id)
        ),
    )
