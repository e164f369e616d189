"""Assignments: who does a task, how far they are, and the review of a completion."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, case, exists, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
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
from dudao_shared.prepared import Prepared, Record
from dudao_shared.versioning import (
    execute_versioned_on,
    flush_versioned,
    versioned_update,
)

from ..audit_trail import audit_params, diff, insert_after, record, snapshot
from ..common.collectives import is_collective
from ..common.rollup import rolled_up
from ..models import ACTIONABLE, Assignment, Item, ItemDeadline, Plan, Unit, effective_deadlines
from ..plans.light_rules import compute, rules_of
from ..plans.light_store import STORED, ensure_fresh, refresh_tasks, stored_values
from ..plans.supervision_rules import supervision_rules_of
from ..subscriptions import service as subscriptions
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
    """A task's state follows its lead assignments and its delivered copies (the roll-up rule
    of ``common.rollup``: the least advanced of them); a copy's change rolls up to the task it
    was delivered from."""
    await sync_task_statuses(session, [task_id])


async def sync_task_statuses(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> None:
    """``sync_task_status`` for many tasks in a few statements (a cascade's 30 parents).

    The task rows are locked first, in id order, so writers on two leads (or two copies) of
    one task take turns and the second reads the first one's committed status. Locks go from
    copy to source, always upward, so two writers never wait on each other in a circle.
    """
    ids = sorted(set(task_ids), key=str)
    if not ids:
        return
    items = (
        (
            await session.execute(
                select(Item)
                .where(col(Item.id).in_(ids))
                .order_by(col(Item.id))
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
    leads: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    for item_id, status, name in (
        await session.execute(
            select(col(Assignment.item_id), col(Assignment.status), col(Unit.name))
            .join(Unit, col(Unit.id) == col(Assignment.unit_id))
            .where(col(Assignment.item_id).in_(ids), Assignment.role == "lead")
        )
    ).all():
        leads[item_id].append((status, name))
    copies: dict[uuid.UUID, list[str]] = defaultdict(list)
    for source_id, status in (
        await session.execute(
            select(col(Item.source_item_id), col(Item.status)).where(
                col(Item.source_item_id).in_(ids)
            )
        )
    ).all():
        if source_id is not None:
            copies[source_id].append(status)
    changed: list[tuple[Item, str]] = []
    sources: list[uuid.UUID] = []
    for item in items:
        delivered = copies.get(item.id, [])
        # Once delivered, a collective lead (各设区市政府) is its regions' copies, not a unit
        # of its own whose state nobody reports.
        statuses = [
            s for s, name in leads.get(item.id, []) if not (delivered and is_collective(name))
        ] + delivered
        status = rolled_up(statuses, delivered=bool(delivered))
        if item.status != status:
            changed.append((item, item.status))
            item.status = status
            if item.source_item_id is not None:
                sources.append(item.source_item_id)
    if changed:
        await flush_versioned(session)
    for item, previous in changed:
        await subscriptions.task_state_changed(session, item, previous)
    await sync_task_statuses(session, sources)


# The row's own columns a read model shows, read off the row directly: ``model_dump`` of a
# table model walks every field through pydantic, a third of a 50-row page's Python time.
_READ_COLUMNS = tuple(
    name for name in AssignmentRead.model_fields if name in Assignment.model_fields
)


# What a read shows besides the assignment's own columns, by key (index probes; a join let the
# planner hash whole tables): its task's code, title and deadline, its unit's name, its plan's
# supervision rules.
def _of_task(column: Any) -> Any:
    return sa_select(column).where(col(Item.id) == col(Assignment.item_id)).scalar_subquery()


READ_EXTRAS = (
    _of_task(col(Item.code)).label("task_code"),
    _of_task(col(Item.title)).label("task_title"),
    _of_task(col(Item.due_on)).label("task_due_on"),
    sa_select(col(Unit.name))
    .where(col(Unit.id) == col(Assignment.unit_id))
    .scalar_subquery()
    .label("unit_name"),
    sa_select(col(Plan.supervision_rules))
    .where(col(Plan.id) == col(Assignment.plan_id))
    .scalar_subquery()
    .label("supervision_rules"),
)


async def to_reads(
    session: AsyncSession, rows: Sequence[Assignment], today: dt.date
) -> list[AssignmentRead]:
    """Read models of ``rows`` with their stored lights: one query for what they show besides
    their own columns (and none for lights, unless one is not today's)."""
    if not rows:
        return []
    found = {
        r[0]: r[1:]
        for r in (
            await session.execute(
                sa_select(col(Assignment.id), *READ_EXTRAS).where(
                    col(Assignment.id).in_([a.id for a in rows])
                )
            )
        ).all()
    }
    return await reads_with_extras(session, [(a, *found[a.id]) for a in rows], today)


async def reads_with_extras(
    session: AsyncSession, rows: Sequence[Any], today: dt.date
) -> list[AssignmentRead]:
    """Read models of rows ``(assignment, *READ_EXTRAS)`` — a page that selected them along."""
    await ensure_fresh(session, [r[0] for r in rows], today)
    ack_days: dict[Any, int] = {}
    out = []
    for a, code, title, task_due_on, unit_name, rules in rows:
        # 签收 is due a plan's ``ack_days`` after the unit was given the task.
        if a.plan_id not in ack_days:
            ack_days[a.plan_id] = supervision_rules_of(rules).ack_days
        ack_due_on = a.assigned_at.astimezone(LOCAL_TZ).date() + dt.timedelta(
            days=ack_days[a.plan_id]
        )
        out.append(
            AssignmentRead.model_validate(
                {
                    **{name: getattr(a, name) for name in _READ_COLUMNS},
                    "task_id": a.item_id,
                    "task_code": code,
                    "task_title": title,
                    "unit_name": unit_name,
                    "due_on": a.due_on or task_due_on,
                    "next_due_on": a.light_next_due_on,
                    "overdue": a.light_overdue,
                    "due_soon": a.light_due_soon,
                    "light": a.light,
                    "light_reasons": a.light_reasons,
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
    session: AsyncSession,
    *,
    principal: Principal,
    task: Item,
    data: AssignmentCreate,
    today: dt.date,
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
    await refresh_tasks(session, [task.id], today)
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


# The unit's status update is the hottest write of the platform (every unit, every reporting
# week): its statements are built once here and run on the driver, with no unit-of-work and no
# re-read — one SELECT for what the lights need, then one statement that makes the versioned
# UPDATE … RETURNING, the task's UPDATE when it is the task's only lead, and the audit INSERT.
_ASSIGNMENT: Table = Assignment.__table__  # type: ignore[attr-defined]
_ITEM: Table = Item.__table__  # type: ignore[attr-defined]
_SET_STATUS = versioned_update(
    _ASSIGNMENT,
    ("status", "completed_at", "updated_at", *STORED),
    returning=("version", "updated_at"),
    prefix="set_",
)


def with_status_context(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` (the assignment's columns, scoped to the caller) with what a status update
    needs besides the row: the plan's rules, the task, the unit's name, the task's deadlines,
    its other leads and its latest report — one statement with the loader's."""
    task_of_row = col(Assignment.item_id)
    other = aliased(Assignment)
    return (
        stmt.add_columns(
            col(Plan.light_rules),
            col(Plan.supervision_rules),
            col(Plan.disclosed),
            col(Plan.region_code).label("plan_region_code"),
            col(Item.source_item_id),
            col(Item.status).label("task_status"),
            col(Item.code).label("task_code"),
            col(Item.title).label("task_title"),
            col(Item.due_on).label("task_due_on"),
            col(Unit.name).label("unit_name"),
            sa_select(func.array_agg(col(ItemDeadline.due_on)))
            .where(col(ItemDeadline.item_id) == task_of_row)
            .scalar_subquery()
            .label("deadlines"),
            sa_select(func.count())
            .where(
                col(other.item_id) == task_of_row,
                col(other.role) == "lead",
                col(other.id) != col(Assignment.id),
            )
            .scalar_subquery()
            .label("other_leads"),
            sa_select(func.max(col(other.last_report_on)))
            .where(col(other.item_id) == task_of_row)
            .scalar_subquery()
            .label("task_last_report_on"),
            sa_select(func.min(col(other.created_at)))
            .where(col(other.item_id) == task_of_row)
            .scalar_subquery()
            .label("task_since"),
        )
        .join(Item, col(Item.id) == task_of_row)
        .join(Plan, col(Plan.id) == col(Assignment.plan_id))
        .join(Unit, col(Unit.id) == col(Assignment.unit_id))
    )


@dataclass(slots=True)
class StatusUpdate:
    """A unit's status update written in one statement on a session-less connection: the
    loaded row (the assignment's columns and ``with_status_context``), the connection it was
    read on and the new status."""

    conn: Any
    row: Record
    status: str

    @property
    def version(self) -> int:
        version: int = self.row["version"]
        return version


# What a PATCH of an assignment changes: a one-statement status update, or the ORM row.
UpdateTarget = StatusUpdate | Assignment


def fits_one_statement(row: Record) -> bool:
    """The one-statement write covers a task with at most one lead (several leads: their least
    advanced state is the task's, so the general path locks the task and reads them) of a plan
    that is neither a delivered copy (rolled up into its parent task) nor disclosed (its
    subscribers are told)."""
    lead = row["role"] == "lead"
    return (
        not (lead and row["other_leads"]) and row["source_item_id"] is None and not row["disclosed"]
    )


def _status_write(*, lead: bool) -> Prepared:
    """The whole write of a status update as one statement: the versioned UPDATE of the
    assignment; when it is the task's only lead, the task's UPDATE; and the audit INSERT — each
    of the last two only if the first changed the row (another writer won: nothing, 412)."""
    changed = _SET_STATUS.cte("changed")
    stmt = sa_select(changed.c.version, changed.c.updated_at)
    if lead:
        task = (
            update(_ITEM)
            .where(_ITEM.c.id == bindparam("task_id"), exists(sa_select(changed.c.version)))
            .values(
                {
                    "status": bindparam("task_status"),
                    # A task's version moves when its state does, as with the ORM path.
                    "version": _ITEM.c.version
                    + case((_ITEM.c.status == bindparam("task_status"), 0), else_=1),
                    # ``updated_at`` too: SQLAlchemy makes a column's ``onupdate`` value for the
                    # top statement only, not for an UPDATE inside a CTE.
                    **{
                        name: bindparam(f"task_{name}", type_=_ITEM.c[name].type)
                        for name in (*STORED, "updated_at")
                    },
                }
            )
        )
        stmt = stmt.add_cte(task.cte("task"))
    return Prepared(stmt.add_cte(insert_after(changed).cte("audit")))


_WRITE = {lead: _status_write(lead=lead) for lead in (False, True)}


async def _update_status(
    target: StatusUpdate, *, principal: Principal, today: dt.date
) -> AssignmentRead:
    """The status update as one statement on the connection it was loaded on (it commits by
    itself: one statement is one transaction)."""
    row, status = target.row, target.status
    check_unit_transition(row["status"], status)
    lead = row["role"] == "lead"
    rules = rules_of(row["light_rules"])
    deadlines = row["deadlines"] or []
    task_status = status if lead else row["task_status"]
    now = utcnow()
    completed_at = row["completed_at"]
    if status == "completed" and row["status"] != "completed":
        completed_at = now
    own = compute(
        status="accepted" if not lead and task_status == "accepted" else status,
        deadlines=effective_deadlines(deadlines, row["due_on"]),
        last_report_on=row["last_report_on"],
        since=row["created_at"].date(),
        rules=rules,
        today=today,
    )
    lights = stored_values(own, today)
    params: dict[str, Any] = {
        "row_id": row["id"],
        "expected": row["version"],
        "set_status": status,
        "set_completed_at": completed_at,
        "set_updated_at": now,
        **{f"set_{k}": v for k, v in lights.items()},
    }
    if lead:
        task = compute(
            status=task_status,
            deadlines=deadlines,
            last_report_on=row["task_last_report_on"],
            since=(row["task_since"] or row["created_at"]).date(),
            rules=rules,
            today=today,
        )
        params["task_id"] = row["item_id"]
        params["task_status"] = task_status
        params["task_updated_at"] = now
        params.update({f"task_{k}": v for k, v in stored_values(task, today).items()})
    b, a = diff(
        {"status": row["status"], "completed_at": _iso(row["completed_at"])},
        {"status": status, "completed_at": _iso(completed_at)},
    )
    params.update(
        audit_params(
            principal=principal,
            entity="assignment",
            entity_id=row["id"],
            action="status",
            before=b,
            after=a,
            plan_id=row["plan_id"],
            task_id=row["item_id"],
            unit_id=row["unit_id"],
        )
    )
    written = await execute_versioned_on(target.conn, _WRITE[lead], params)
    values = {name: row[name] for name in _ASSIGNMENT.c.keys()}
    values.update(status=status, completed_at=completed_at, **lights, **dict(written.items()))
    ack_days = supervision_rules_of(row["supervision_rules"]).ack_days
    return _read(
        values,
        row["task_code"],
        row["task_title"],
        row["unit_name"],
        row["task_due_on"],
        ack_days,
        today,
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _read(
    a: dict[str, Any],
    code: str,
    title: str,
    unit_name: str,
    due_on: dt.date | None,
    ack_days: int,
    today: dt.date,
) -> AssignmentRead:
    ack_due_on = a["assigned_at"].astimezone(LOCAL_TZ).date() + dt.timedelta(days=ack_days)
    return AssignmentRead.model_validate(
        {
            **a,
            "task_id": a["item_id"],
            "task_code": code,
            "task_title": title,
            "unit_name": unit_name,
            "due_on": a["due_on"] or due_on,
            "ack_due_on": ack_due_on,
            "ack_overdue": a["acknowledged_at"] is None and today > ack_due_on,
            "next_due_on": a["light_next_due_on"],
            "overdue": a["light_overdue"],
            "due_soon": a["light_due_soon"],
        }
    )


async def update_assignment(
    session: AsyncSession,
    *,
    principal: Principal,
    target: UpdateTarget,
    data: AssignmentUpdate,
    today: dt.date,
) -> AssignmentRead:
    if isinstance(target, StatusUpdate):
        return await _update_status(target, principal=principal, today=today)
    assignment = target
    values = data.model_dump(exclude_unset=True)
    if any(v is None for v in values.values()):
        raise ValidationFailed(
            "字段不能为空",
            errors=[{"field": k, "message": "不能为空"} for k, v in values.items() if v is None],
        )
    if "status" in values:
        check_unit_transition(assignment.status, values["status"])
    if "role" in values and values["role"] == "co" and assignment.role == "lead":
        if await _lead_count(session, assignment.item_id, assignment.id) == 0:
            raise LeadRequired("这是该任务唯一的牵头单位")
    if "status" in values:
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
    await refresh_tasks(session, [assignment.item_id], today)
    return (await to_reads(session, [assignment], today))[0]


async def delete_assignment(
    session: AsyncSession, *, principal: Principal, assignment: Assignment, today: dt.date
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
    await refresh_tasks(session, [assignment.item_id], today)


async def review(
    session: AsyncSession,
    *,
    principal: Principal,
    assignment: Assignment,
    data: ReviewDecision,
    today: dt.date,
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
    await refresh_tasks(session, [assignment.item_id], today)
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
        stmt.add_columns(*READ_EXTRAS),
        limit=limit,
        cursor=cursor,
        order_by=sort_order(order, ORDERS, default="created_at", id_column=col(Assignment.id)),
        scalars=False,
    )
    return await reads_with_extras(session, rows, today), nxt


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
