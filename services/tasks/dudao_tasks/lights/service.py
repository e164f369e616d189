"""Lights for the tasks, units and whole of a plan, computed at read time from one snapshot."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..assignments.models import Assignment
from ..items.models import Item, ItemDeadline
from ..items.service import ACTIONABLE, deadlines_of
from ..plans.models import Plan
from ..reports.models import ProgressReport
from ..units.models import Unit
from .rules import LightState, compute, counts, rules_of, worst


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
    rules = rules_of(plan.light_rules)
    stmt = select(Item).where(Item.plan_id == plan.id, Item.kind.in_(ACTIONABLE))  # type: ignore[attr-defined]
    if unit_id is not None:
        stmt = stmt.where(
            Item.id.in_(select(Assignment.item_id).where(Assignment.unit_id == unit_id))  # type: ignore[attr-defined]
        )
    items = (await session.execute(stmt.order_by(Item.sort_key))).scalars().all()
    ids = [i.id for i in items]
    ds = await deadlines_of(session, ids)
    by_item: dict[uuid.UUID, list[Assignment]] = defaultdict(list)
    names: dict[uuid.UUID, str] = {}
    latest: dict[uuid.UUID, ProgressReport] = {}
    if ids:
        rows = (await session.execute(
            select(Assignment).where(Assignment.plan_id == plan.id)
            .order_by(Assignment.role.desc(), Assignment.created_at, Assignment.id)  # type: ignore[attr-defined]
        )).scalars().all()
        for a in rows:
            by_item[a.item_id].append(a)
        unit_ids = {a.unit_id for a in rows}
        if unit_ids:
            names = dict((await session.execute(
                select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))  # type: ignore[attr-defined]
            )).all())
        newest = (
            select(ProgressReport.item_id, func.max(ProgressReport.created_at).label("at"))
            .where(ProgressReport.plan_id == plan.id)
            .group_by(ProgressReport.item_id)
            .subquery()
        )
        for r in (await session.execute(
            select(ProgressReport).join(
                newest,
                (ProgressReport.item_id == newest.c.item_id)  # type: ignore[arg-type]
                & (ProgressReport.created_at == newest.c.at),
            )
        )).scalars():
            latest[r.item_id] = r
    out = []
    for item in items:
        assignments = by_item.get(item.id, [])
        dates = [d.due_on for d in ds.get(item.id, [])]
        reported = [a.last_report_on for a in assignments if a.last_report_on]
        since = min((a.created_at for a in assignments), default=item.created_at).date()
        state = compute(status=item.status, deadlines=dates,
                        last_report_on=max(reported) if reported else None, since=since,
                        rules=rules, today=today)
        row = TaskRow(item, ds.get(item.id, []), assignments, names, latest.get(item.id), state)
        for a in assignments:
            row.assignment_states[a.id] = compute(
                status=a.status, deadlines=dates, last_report_on=a.last_report_on,
                since=a.created_at.date(), rules=rules, today=today,
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
