"""Stored lights: the one writer of the ``light*`` columns of tasks and assignments.

Every change that moves a light (a status, a report, a deadline, a unit added or removed, a
plan's rules) calls :func:`refresh_tasks` for the tasks it touched, in its own transaction, so
a read never computes a light. Time alone moves a light too (due-soon → overdue); each row keeps
``light_until``, the first date it may change, and :func:`sweep` recomputes the rows whose date
has come. A row computed for another day than the reader's (``light_on``) — the sweep not yet
run, or a clock moved in a test — is refreshed on read by :func:`ensure_fresh`, so a reader
never sees a light of another day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from ..models import ACTIONABLE, Assignment, Item, ItemDeadline, Plan, effective_deadlines
from .light_rules import LightState, compute, rules_of

# The worker's jobs (``dudao_tasks.worker``): the sweep, periodic; a plan's recompute, deferred
# by a change of its rules when the plan is too large to recompute inside the request.
SWEEP_TASK = "sweep_lights"
REFRESH_PLAN_TASK = "refresh_plan_lights"
INLINE_PLAN_TASKS = 2000

_ITEM: Table = Item.__table__  # type: ignore[attr-defined]
_ASSIGNMENT: Table = Assignment.__table__  # type: ignore[attr-defined]

STORED = (
    "light",
    "light_reasons",
    "light_overdue",
    "light_due_soon",
    "light_next_due_on",
    "light_on",
    "light_until",
)


def stored_values(state: LightState, today: dt.date) -> dict[str, Any]:
    return {
        "light": state.light,
        "light_reasons": state.reasons,
        "light_overdue": state.overdue,
        "light_due_soon": state.due_soon,
        "light_next_due_on": state.next_due_on,
        "light_on": today,
        "light_until": state.until,
    }


def _store(table: Table) -> Any:
    c = table.c
    # ``updated_at`` set to itself: a light is derived, so moving it is not an edit of the row
    # (no onupdate timestamp, no version bump).
    return (
        update(table)
        .where(c.id == bindparam("_id"))
        .values({**{name: bindparam(name) for name in STORED}, "updated_at": c.updated_at})
    )


_STORE_ITEM = _store(_ITEM)
_STORE_ASSIGNMENT = _store(_ASSIGNMENT)


def _sync_loaded(
    session: AsyncSession, model: type[Any], key: uuid.UUID, values: dict[str, Any]
) -> None:
    """Objects already in the session get the stored values as committed state (not dirty)."""
    obj = session.identity_map.get(session.identity_key(model, key))
    if obj is not None:
        for name, value in values.items():
            set_committed_value(obj, name, value)


async def refresh_tasks(
    session: AsyncSession, task_ids: Iterable[uuid.UUID], today: dt.date
) -> int:
    """Recompute and store the lights of ``task_ids`` and of all their assignments.

    Three reads (the tasks with their plan's rules, their deadlines, their assignments) and two
    batched UPDATEs, whatever the number of tasks. Returns the number of tasks stored.
    """
    ids = sorted(set(task_ids))
    if not ids:
        return 0
    tasks = (
        await session.execute(
            select(col(Item.id), col(Item.status), col(Item.created_at), col(Plan.light_rules))
            .join(Plan, col(Plan.id) == col(Item.plan_id))
            .where(col(Item.id).in_(ids), col(Item.kind).in_(ACTIONABLE))
        )
    ).all()
    if not tasks:
        return 0
    found = [t.id for t in tasks]
    deadlines: dict[uuid.UUID, list[dt.date]] = defaultdict(list)
    for item_id, due_on in (
        await session.execute(
            select(col(ItemDeadline.item_id), col(ItemDeadline.due_on)).where(
                col(ItemDeadline.item_id).in_(found)
            )
        )
    ).all():
        deadlines[item_id].append(due_on)
    units: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for a in (
        await session.execute(
            select(
                col(Assignment.id),
                col(Assignment.item_id),
                col(Assignment.role),
                col(Assignment.status),
                col(Assignment.last_report_on),
                col(Assignment.created_at),
                col(Assignment.due_on),
            )
            .where(col(Assignment.item_id).in_(found))
            .order_by(col(Assignment.id))
        )
    ).all():
        units[a.item_id].append(a)
    item_params: list[dict[str, Any]] = []
    assignment_params: list[dict[str, Any]] = []
    for t in tasks:
        rules = rules_of(t.light_rules)
        dates = deadlines.get(t.id, [])
        mine = units.get(t.id, [])
        reported = [a.last_report_on for a in mine if a.last_report_on]
        state = compute(
            status=t.status,
            deadlines=dates,
            last_report_on=max(reported) if reported else None,
            since=min((a.created_at for a in mine), default=t.created_at).date(),
            rules=rules,
            today=today,
            unassigned=not mine,
        )
        values = stored_values(state, today)
        item_params.append({"_id": t.id, **values})
        _sync_loaded(session, Item, t.id, values)
        for a in mine:
            # A co unit's part ends with the task: once the task is accepted, so is its light.
            status = "accepted" if a.role == "co" and t.status == "accepted" else a.status
            a_state = compute(
                status=status,
                # An approved extension moves this unit's last deadline, not the task's.
                deadlines=effective_deadlines(dates, a.due_on),
                last_report_on=a.last_report_on,
                since=a.created_at.date(),
                rules=rules,
                today=today,
            )
            a_values = stored_values(a_state, today)
            assignment_params.append({"_id": a.id, **a_values})
            _sync_loaded(session, Assignment, a.id, a_values)
    await session.execute(_STORE_ITEM, item_params)
    if assignment_params:
        await session.execute(_STORE_ASSIGNMENT, assignment_params)
    return len(item_params)


async def refresh_plan(
    session: AsyncSession, plan_id: uuid.UUID, today: dt.date, *, batch: int = 1000
) -> int:
    """Every task of a plan (after its rules changed), in batches of ``batch`` tasks."""
    total = 0
    after: uuid.UUID | None = None
    while True:
        stmt = (
            select(col(Item.id))
            .where(col(Item.plan_id) == plan_id, col(Item.kind).in_(ACTIONABLE))
            .order_by(col(Item.id))
            .limit(batch)
        )
        if after is not None:
            stmt = stmt.where(col(Item.id) > after)
        ids = list((await session.scalars(stmt)).all())
        if not ids:
            return total
        total += await refresh_tasks(session, ids, today)
        after = ids[-1]


def stale(
    model: type[Item] | type[Assignment], today: dt.date | ColumnElement[dt.date]
) -> ColumnElement[bool]:
    """Rows whose stored light is not the light of ``today`` (a date, or a bound parameter for
    a statement prepared once)."""
    return or_(
        col(model.light_on).is_(None),
        col(model.light_on) > today,
        col(model.light_until) <= today,
    )


def is_stale(row: Item | Assignment, today: dt.date) -> bool:
    return (
        row.light_on is None
        or row.light_on > today
        or (row.light_until is not None and row.light_until <= today)
    )


async def ensure_fresh(
    session: AsyncSession, rows: Sequence[Item | Assignment], today: dt.date
) -> None:
    """Refresh the tasks of the ``rows`` (tasks or assignments) whose light is not today's;
    with the sweep running, none is, and this costs nothing."""
    tasks = {r.id if isinstance(r, Item) else r.item_id for r in rows if is_stale(r, today)}
    if tasks:
        await refresh_tasks(session, tasks, today)


async def sweep(session: AsyncSession, today: dt.date, *, batch: int = 1000) -> int:
    """Recompute every light the date has moved (``light_until`` reached): the daily job.

    Walks the partial ``light_until`` indexes of tasks and assignments, a batch at a time, so
    its cost follows the lights that change, not the size of the tables. Returns the number of
    tasks stored.
    """
    total = 0
    while True:
        due_items: Select[tuple[uuid.UUID]] = select(col(Item.id).label("id")).where(
            col(Item.light_until) <= today
        )
        due_assignments: Select[tuple[uuid.UUID]] = select(
            col(Assignment.item_id).label("id")
        ).where(col(Assignment.light_until) <= today)
        ids = list(
            (
                await session.scalars(
                    select(due_items.union(due_assignments).subquery().c.id).limit(batch)
                )
            ).all()
        )
        if not ids:
            return total
        total += await refresh_tasks(session, ids, today)
