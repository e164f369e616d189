"""Assignments: who does a task, how far they are, and the review of a completion."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import LOCAL_TZ, utcnow
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.versioning import flush_versioned

from ..audit_trail import diff, record, snapshot
from ..items.service import deadlines_of
from ..models import ACTIONABLE, Assignment, Item, Plan, Unit, effective_deadlines
from ..plans.light_rules import compute, rules_of
from ..plans.supervision_rules import supervision_rules_of
from .schemas import AssignmentCreate, AssignmentRead, AssignmentUpdate, ReviewDecision

FIELDS = (
    "role",
    "status",
    "percent",
    "last_report_on",
    "completed_at",
    "reviewed_at",
    "reviewed_by",
    "return_reason",
    "acknowledged_at",
    "acknowledged_by",
    "due_on",
    "original_due_on",
)
# Least advanced first: a task with several leads is as far as the slowest of them.
PROGRESS = ("not_started", "in_progress", "returned", "completed", "accepted")


class AssignmentNotFound(NotFound):
    code, title = "assignment_not_found", "任务分工不存在"


class AssignmentExists(Conflict):
    code, title = "assignment_exists", "该单位已承担此任务"


class LeadRequired(Conflict):
    code, title = "lead_required", "有责任单位的任务至少要有一个牵头单位"


class AssignmentLocked(Conflict):
    code, title = "assignment_accepted", "任务已审核通过，不能再修改状态"


class NotAwaitingReview(Conflict):
    code, title = "not_awaiting_review", "该任务分工没有待审核的完成情况"


class AlreadyAcknowledged(Conflict):
    code, title = "already_acknowledged", "该任务分工已签收"


class FieldForbidden(Forbidden):
    code, title = "field_forbidden", "当前角色不能修改该字段"


async def sync_task_status(session: AsyncSession, task_id: uuid.UUID) -> None:
    """A task's state follows its lead assignment (the least advanced lead, if several).

    The task row is locked first, so writers on two leads of one task take turns and the
    second reads the first one's committed status.
    """
    item = (
        await session.execute(
            select(Item)
            .where(col(Item.id) == task_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    statuses = (
        await session.scalars(
            select(Assignment.status).where(
                Assignment.item_id == task_id, Assignment.role == "lead"
            )
        )
    ).all()
    status = min(statuses, key=PROGRESS.index) if statuses else "not_started"
    if item.status != status:
        item.status = status
        await flush_versioned(session)


async def to_reads(
    session: AsyncSession, rows: Sequence[Assignment], today: dt.date
) -> list[AssignmentRead]:
    if not rows:
        return []
    item_ids = list({a.item_id for a in rows})
    items = {
        i.id: i
        for i in (await session.execute(select(Item).where(col(Item.id).in_(item_ids)))).scalars()
    }
    units = {
        u.id: u.name
        for u in (
            await session.execute(select(Unit).where(col(Unit.id).in_({a.unit_id for a in rows})))
        ).scalars()
    }
    plan_rows = (
        (await session.execute(select(Plan).where(col(Plan.id).in_({a.plan_id for a in rows}))))
        .scalars()
        .all()
    )
    plans = {p.id: rules_of(p.light_rules) for p in plan_rows}
    ack_days = {p.id: supervision_rules_of(p.supervision_rules).ack_days for p in plan_rows}
    ds = await deadlines_of(session, item_ids)
    out = []
    for a in rows:
        item = items[a.item_id]
        ack_due_on = a.assigned_at.astimezone(LOCAL_TZ).date() + dt.timedelta(
            days=ack_days[a.plan_id]
        )
        state = compute(
            status=a.status,
            deadlines=effective_deadlines([d.due_on for d in ds.get(a.item_id, [])], a.due_on),
            last_report_on=a.last_report_on,
            since=a.created_at.date(),
            rules=plans[a.plan_id],
            today=today,
        )
        out.append(
            AssignmentRead.model_validate(
                {
                    **a.model_dump(),
                    "task_id": a.item_id,
                    "task_code": item.code,
                    "task_title": item.title,
                    "unit_name": units.get(a.unit_id, ""),
                    "due_on": state.final_due_on,
                    "next_due_on": state.next_due_on,
                    "overdue": state.overdue,
                    "due_soon": state.due_soon,
                    "light": state.light,
                    "light_reasons": state.reasons,
                    "ack_due_on": ack_due_on,
                    "ack_overdue": a.acknowledged_at is None and today > ack_due_on,
                }
            )
        )
    return out


async def _lead_count(session: AsyncSession, task_id: uuid.UUID, exclude: uuid.UUID | None) -> int:
    stmt = (
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.item_id == task_id, Assignment.role == "lead")
    )
    if exclude is not None:
        stmt = stmt.where(Assignment.id != exclude)
    return int(await session.scalar(stmt) or 0)


async def _unit_count(session: AsyncSession, task_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(Assignment).where(Assignment.item_id == task_id)
    return int(await session.scalar(stmt) or 0)


async def create_assignment(
    session: AsyncSession, *, principal: Principal, task: Item, data: AssignmentCreate
) -> Assignment:
    if task.kind not in ACTIONABLE:
        raise ValidationFailed("章节不能分工", errors=[{"field": "task_id", "message": "不是任务"}])
    existing = await session.scalar(
        select(Assignment.id).where(
            Assignment.item_id == task.id, Assignment.unit_id == data.unit_id
        )
    )
    if existing is not None:
        raise AssignmentExists()
    # The first unit of a task must be its lead: a task with units has at least one lead.
    if data.role == "co" and await _lead_count(session, task.id, None) == 0:
        raise LeadRequired("请先指定牵头单位")
    row = Assignment(
        plan_id=task.plan_id,
        item_id=task.id,
        unit_id=data.unit_id,
        role=data.role,
        assigned_by=principal.sub[:200],
    )
    session.add(row)
    await session.flush()
    record(
        session,
        principal=principal,
        entity="assignment",
        entity_id=row.id,
        action="create",
        after=snapshot(row, ("unit_id", "role", "status")),
        plan_id=row.plan_id,
        task_id=row.item_id,
        unit_id=row.unit_id,
    )
    await sync_task_status(session, task.id)
    return row


async def acknowledge(
    session: AsyncSession, *, principal: Principal, assignment: Assignment
) -> Assignment:
    """签收: the unit confirms it has the task. Once only; who and when are kept."""
    # Two taps on the phone at once: the second waits for the first and then sees it.
    await session.refresh(assignment, with_for_update=True)
    if assignment.acknowledged_at is not None:
        raise AlreadyAcknowledged(
            f"已于 {assignment.acknowledged_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} 签收"
        )
    assignment.acknowledged_at = utcnow()
    assignment.acknowledged_by = principal.sub[:200]
    await flush_versioned(session)
    record(
        session,
        principal=principal,
        entity="assignment",
        entity_id=assignment.id,
        action="acknowledge",
        after=snapshot(assignment, ("acknowledged_at", "acknowledged_by")),
        plan_id=assignment.plan_id,
        task_id=assignment.item_id,
        unit_id=assignment.unit_id,
    )
    return assignment


def check_unit_transition(current: str, target: str) -> None:
    """A unit moves freely between its own states until the planner has accepted the work."""
    if current == "accepted" and target != current:
        raise AssignmentLocked()


async def update_assignment(
    session: AsyncSession,
    *,
    principal: Principal,
    assignment: Assignment,
    data: AssignmentUpdate,
) -> Assignment:
    values = data.model_dump(exclude_unset=True)
    if any(v is None for v in values.values()):
        raise ValidationFailed(
            "字段不能为空",
            errors=[{"field": k, "message": "不能为空"} for k, v in values.items() if v is None],
        )
    if "role" in values and values["role"] == "co" and assignment.role == "lead":
        if await _lead_count(session, assignment.item_id, assignment.id) == 0:
            raise LeadRequired("这是该任务唯一的牵头单位")
    if "status" in values:
        check_unit_transition(assignment.status, values["status"])
        if values["status"] == "completed" and assignment.status != "completed":
            values["completed_at"] = utcnow()
    before = snapshot(assignment, FIELDS)
    assignment.sqlmodel_update(values)
    await flush_versioned(session)
    b, a = diff(before, snapshot(assignment, FIELDS))
    record(
        session,
        principal=principal,
        entity="assignment",
        entity_id=assignment.id,
        action="status" if "status" in values else "update",
        before=b,
        after=a,
        plan_id=assignment.plan_id,
        task_id=assignment.item_id,
        unit_id=assignment.unit_id,
    )
    await sync_task_status(session, assignment.item_id)
    return assignment


async def delete_assignment(
    session: AsyncSession, *, principal: Principal, assignment: Assignment
) -> None:
    if (
        assignment.role == "lead"
        and await _lead_count(session, assignment.item_id, assignment.id) == 0
        and await _unit_count(session, assignment.item_id) > 1
    ):
        raise LeadRequired("删除后任务将没有牵头单位；请先指定其他牵头单位")
    before = snapshot(assignment, ("unit_id", *FIELDS))
    await session.delete(assignment)
    await flush_versioned(session)
    record(
        session,
        principal=principal,
        entity="assignment",
        entity_id=assignment.id,
        action="delete",
        before=before,
        plan_id=assignment.plan_id,
        task_id=assignment.item_id,
        unit_id=assignment.unit_id,
    )
    await sync_task_status(session, assignment.item_id)


async def review(
    session: AsyncSession,
    *,
    principal: Principal,
    assignment: Assignment,
    data: ReviewDecision,
) -> Assignment:
    if assignment.status != "completed":
        raise NotAwaitingReview(f"当前状态为 {assignment.status}")
    now = utcnow()
    values: dict[str, object] = {"reviewed_at": now, "reviewed_by": principal.sub[:200]}
    if data.decision == "accept":
        values |= {"status": "accepted", "return_reason": None}
    else:
        values |= {"status": "returned", "return_reason": (data.reason or "").strip()}
    before = snapshot(assignment, FIELDS)
    assignment.sqlmodel_update(values)
    await flush_versioned(session)
    b, a = diff(before, snapshot(assignment, FIELDS))
    record(
        session,
        principal=principal,
        entity="assignment",
        entity_id=assignment.id,
        action=data.decision,
        before=b,
        after=a,
        plan_id=assignment.plan_id,
        task_id=assignment.item_id,
        unit_id=assignment.unit_id,
    )
    await sync_task_status(session, assignment.item_id)
    return assignment


ORDERS = {"created_at": col(Assignment.created_at), "updated_at": col(Assignment.updated_at)}


async def list_assignments(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    today: dt.date,
    plan_id: uuid.UUID | None,
    task_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    status: str | None,
    role: str | None,
    due_before: dt.date | None,
    due_after: dt.date | None,
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AssignmentRead], str | None]:
    """One page of the assignments matching the filters among those ``visible`` to the caller."""
    stmt = select(Assignment).where(visible)
    if unit_id:
        stmt = stmt.where(Assignment.unit_id == unit_id)
    if plan_id:
        stmt = stmt.where(Assignment.plan_id == plan_id)
    if task_id:
        stmt = stmt.where(Assignment.item_id == task_id)
    if status:
        stmt = stmt.where(Assignment.status == status)
    if role:
        stmt = stmt.where(Assignment.role == role)
    if due_before or due_after:
        due = select(Item.id)
        if due_before:
            due = due.where(col(Item.due_on) <= due_before)
        if due_after:
            due = due.where(col(Item.due_on) >= due_after)
        stmt = stmt.where(col(Assignment.item_id).in_(due))
    rows, nxt = await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(order, ORDERS, default="created_at", id_column=col(Assignment.id)),
    )
    return await to_reads(session, rows, today), nxt


async def list_for_task(
    session: AsyncSession,
    *,
    task: Item,
    visible: ColumnElement[bool],
    today: dt.date,
    limit: int,
    cursor: str | None,
) -> tuple[list[AssignmentRead], str | None]:
    """One page of a task's units, leads first, among the assignments ``visible`` to the caller."""
    stmt = select(Assignment).where(Assignment.item_id == task.id, visible)
    order_by: list[ColumnElement[Any]] = [
        col(Assignment.role).desc(),
        col(Assignment.created_at).asc(),
        col(Assignment.id).asc(),
    ]
    rows, nxt = await paginate(session, stmt, limit=limit, cursor=cursor, order_by=order_by)
    return await to_reads(session, rows, today), nxt
