"""Lights for the tasks, units and whole of a plan, computed at read time from one snapshot."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from dudao_shared.pagination import paginate

from ..assignments.service import to_reads
from ..items.service import deadlines_of
from ..models import ACTIONABLE, Assignment, Item, ItemDeadline, Plan, ProgressReport, Unit
from ..plans.light_rules import LightState, compute, counts, rules_of, worst
from .schemas import PlanLights, TaskLight, UnitLight, UnitLights


@dataclass(slots=True)
class TaskRow:
    item: Item
    deadlines: list[ItemDeadline]
    assignments: list[Assignment]
    unit_names: dict[uuid.UUID, str]
    latest_report: ProgressReport | None
    state: LightState
    assignment_states: dict[uuid.UUID, LightState] = field(default_factory=dict)

    @property
    def leads(self) -> list[str]:
        return [self.unit_names.get(a.unit_id, "") for a in self.assignments if a.role == "lead"]

    @property
    def cos(self) -> list[str]:
        return [self.unit_names.get(a.unit_id, "") for a in self.assignments if a.role == "co"]

    @property
    def percent(self) -> Decimal | None:
        for a in self.assignments:
            if a.role == "lead" and a.percent is not None:
                return a.percent
        return None


async def plan_tasks(
    session: AsyncSession, plan: Plan, today: dt.date, *, unit_id: uuid.UUID | None = None
) -> list[TaskRow]:
    """Every task of a plan (or of one unit in it) in document order, with its light."""
    stmt = _tasks_of(plan, unit_id).order_by(col(Item.sort_key), col(Item.id))
    items = (await session.execute(stmt)).scalars().all()
    return await task_rows(session, plan, items, today)


def _tasks_of(plan: Plan, unit_id: uuid.UUID | None) -> SelectOfScalar[Item]:
    stmt = select(Item).where(Item.plan_id == plan.id, col(Item.kind).in_(ACTIONABLE))
    if unit_id is not None:
        stmt = stmt.where(
            col(Item.id).in_(select(Assignment.item_id).where(Assignment.unit_id == unit_id))
        )
    return stmt


async def task_rows(
    session: AsyncSession, plan: Plan, items: Sequence[Item], today: dt.date
) -> list[TaskRow]:
    """``items`` (tasks of ``plan``) with their units, latest report and light, in order."""
    rules = rules_of(plan.light_rules)
    ids = [i.id for i in items]
    ds = await deadlines_of(session, ids)
    by_item: dict[uuid.UUID, list[Assignment]] = defaultdict(list)
    names: dict[uuid.UUID, str] = {}
    latest: dict[uuid.UUID, ProgressReport] = {}
    if ids:
        rows = (
            (
                await session.execute(
                    select(Assignment)
                    .where(col(Assignment.item_id).in_(ids))
                    .order_by(
                        col(Assignment.role).desc(), col(Assignment.created_at), col(Assignment.id)
                    )
                )
            )
            .scalars()
            .all()
        )
        for a in rows:
            by_item[a.item_id].append(a)
        unit_ids = {a.unit_id for a in rows}
        if unit_ids:
            names = dict(
                (
                    await session.execute(
                        select(Unit.id, Unit.name).where(col(Unit.id).in_(unit_ids))
                    )
                ).all()
            )
        newest = (
            select(ProgressReport.item_id, func.max(ProgressReport.created_at).label("at"))
            .where(col(ProgressReport.item_id).in_(ids))
            .group_by(col(ProgressReport.item_id))
            .subquery()
        )
        for r in (
            await session.execute(
                select(ProgressReport).join(
                    newest,
                    (col(ProgressReport.item_id) == newest.c.item_id)
                    & (col(ProgressReport.created_at) == newest.c.at),
                )
            )
        ).scalars():
            latest[r.item_id] = r
    out = []
    for item in items:
        assignments = by_item.get(item.id, [])
        dates = [d.due_on for d in ds.get(item.id, [])]
        reported = [a.last_report_on for a in assignments if a.last_report_on]
        since = min((a.created_at for a in assignments), default=item.created_at).date()
        state = compute(
            status=item.status,
            deadlines=dates,
            last_report_on=max(reported) if reported else None,
            since=since,
            rules=rules,
            today=today,
        )
        row = TaskRow(item, ds.get(item.id, []), assignments, names, latest.get(item.id), state)
        for a in assignments:
            row.assignment_states[a.id] = compute(
                status=a.status,
                deadlines=dates,
                last_report_on=a.last_report_on,
                since=a.created_at.date(),
                rules=rules,
                today=today,
            )
        out.append(row)
    return out


def summarize_units(rows: list[TaskRow]) -> list[dict[str, object]]:
    per_unit: dict[uuid.UUID, list[str]] = defaultdict(list)
    names: dict[uuid.UUID, str] = {}
    for row in rows:
        for a in row.assignments:
            per_unit[a.unit_id].append(row.assignment_states[a.id].light)
            names[a.unit_id] = row.unit_names.get(a.unit_id, "")
    return [
        {"unit_id": uid, "unit_name": names[uid], "light": worst(lights), "counts": counts(lights)}
        for uid, lights in sorted(per_unit.items(), key=lambda kv: names[kv[0]])
    ]


def summarize(rows: list[TaskRow]) -> tuple[str, dict[str, int]]:
    lights = [r.state.light for r in rows]
    return worst(lights), counts(lights)


def _task_light(r: TaskRow) -> TaskLight:
    return TaskLight(
        id=r.item.id,
        code=r.item.code,
        title=r.item.title,
        kind=r.item.kind,
        status=r.item.status,
        lead_units=r.leads,
        co_units=r.cos,
        due_on=r.state.final_due_on,
        next_due_on=r.state.next_due_on,
        overdue=r.state.overdue,
        due_soon=r.state.due_soon,
        percent=r.percent,
        last_report_at=r.latest_report.created_at if r.latest_report else None,
        light=r.state.light,
        light_reasons=r.state.reasons,
    )


async def list_plan_tasks(
    session: AsyncSession,
    *,
    plan: Plan,
    today: dt.date,
    unit_id: uuid.UUID | None,
    status: str | None,
    light: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[TaskLight], str | None]:
    """One page of a plan's tasks in document order with their lights (``unit_id``'s only when
    given).

    A light is computed, not stored, so the ``light`` filter applies to each page after it is
    cut: a page may then hold fewer than ``limit`` tasks while ``next_cursor`` says more follow.
    """
    stmt = _tasks_of(plan, unit_id)
    if status is not None:
        stmt = stmt.where(Item.status == status)
    order_by: list[ColumnElement[Any]] = [col(Item.sort_key).asc(), col(Item.id).asc()]
    items, nxt = await paginate(session, stmt, limit=limit, cursor=cursor, order_by=order_by)
    rows = await task_rows(session, plan, items, today)
    return [_task_light(r) for r in rows if light is None or r.state.light == light], nxt


async def plan_lights(session: AsyncSession, *, plan: Plan, today: dt.date) -> PlanLights:
    """A plan's light (its worst task), counts per light and each unit's light."""
    rows = await plan_tasks(session, plan, today)
    light, light_counts = summarize(rows)
    return PlanLights(
        plan_id=plan.id,
        light=light,
        counts=light_counts,
        units=[UnitLight.model_validate(u) for u in summarize_units(rows)],
    )


async def unit_lights(
    session: AsyncSession, *, unit: Unit, plan_id: uuid.UUID | None, today: dt.date
) -> UnitLights:
    """A unit's light over its assignments (in one plan, or all)."""
    stmt = select(Assignment).where(Assignment.unit_id == unit.id)
    if plan_id:
        stmt = stmt.where(Assignment.plan_id == plan_id)
    rows = (await session.execute(stmt)).scalars().all()
    reads = await to_reads(session, rows, today)
    lights = [r.light for r in reads]
    return UnitLights(
        unit_id=unit.id,
        light=worst(lights),
        counts=counts(lights),
        overdue=sum(r.overdue for r in reads),
        due_soon=sum(r.due_soon for r in reads),
    )
