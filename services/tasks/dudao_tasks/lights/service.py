"""Lights for the tasks, units and whole of a plan, read from the stored lights.

Lights are kept in the rows (``plans.light_store``): a page reads its rows and a summary is an
aggregate over an index, so neither costs more in a bigger plan.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Date, Integer, String, Uuid, bindparam, func, literal, text, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from dudao_shared.pagination import keyset_cursor, keyset_place
from dudao_shared.prepared import Prepared, driver

from ..items.service import deadlines_of
from ..models import ACTIONABLE, Assignment, Item, ItemDeadline, Plan, ProgressReport, Unit
from ..plans.light_rules import LightState, counts, worst

# The lights, in the order every count lists them.
LIGHTS = tuple(counts([]))
from ..plans.light_store import ensure_fresh, refresh_tasks, stale
from .schemas import PlanLights, TaskLight, UnitLight, UnitLights


@dataclass(slots=True)
class TaskRow:
    item: Item
    deadlines: list[ItemDeadline]
    assignments: list[Assignment]
    unit_names: dict[uuid.UUID, str]
    latest_report: ProgressReport | None

    @property
    def state(self) -> LightState:
        i = self.item
        return LightState(
            i.light,  # type: ignore[arg-type]
            i.light_overdue,
            i.light_due_soon,
            i.light_next_due_on,
            i.due_on,
            list(i.light_reasons),
            i.light_until,
        )

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
    return await task_rows(session, items, today, with_deadlines=True)


def _tasks_of(plan: Plan, unit_id: uuid.UUID | None) -> SelectOfScalar[Item]:
    stmt = select(Item).where(Item.plan_id == plan.id, col(Item.kind).in_(ACTIONABLE))
    if unit_id is not None:
        stmt = stmt.where(
            col(Item.id).in_(select(Assignment.item_id).where(Assignment.unit_id == unit_id))
        )
    return stmt


async def task_rows(
    session: AsyncSession, items: Sequence[Item], today: dt.date, *, with_deadlines: bool = False
) -> list[TaskRow]:
    """``items`` (tasks) with their units and latest report, in order: three queries for the
    page (two when the deadlines are not wanted), none of them over the rest of the plan."""
    ids = [i.id for i in items]
    await ensure_fresh(session, items, today)
    ds = await deadlines_of(session, ids) if with_deadlines else {}
    by_item: dict[uuid.UUID, list[Assignment]] = defaultdict(list)
    names: dict[uuid.UUID, str] = {}
    latest: dict[uuid.UUID, ProgressReport] = {}
    if ids:
        # Each unit's name by its key: a join let the planner hash the whole unit table.
        unit_name = (
            select(Unit.name).where(col(Unit.id) == col(Assignment.unit_id)).scalar_subquery()
        )
        for a, name in (
            await session.execute(
                select(Assignment, unit_name)
                .where(col(Assignment.item_id).in_(ids))
                .order_by(
                    col(Assignment.role).desc(), col(Assignment.created_at), col(Assignment.id)
                )
            )
        ).all():
            by_item[a.item_id].append(a)
            names[a.unit_id] = name
        for r in (
            await session.execute(
                select(ProgressReport)
                .where(col(ProgressReport.item_id).in_(ids))
                .order_by(col(ProgressReport.item_id), col(ProgressReport.created_at).desc())
                .ext(distinct_on(col(ProgressReport.item_id)))
            )
        ).scalars():
            latest[r.item_id] = r
    return [
        TaskRow(item, ds.get(item.id, []), by_item.get(item.id, []), names, latest.get(item.id))
        for item in items
    ]


def _page_statement(*, unit: bool, status: bool, light: bool) -> Prepared:
    """A page of a plan's tasks with everything a row shows — its lead and co units' names,
    the lead's percent, its latest report — as one statement: keyset on (sort_key, id) over
    ``ix_item_plan_sort`` (or the status / light index), a few index probes per row, so a page
    costs the same in a plan of 10 or 10,000 tasks. ``stale`` says whether a row's stored
    light is not today's (refreshed, then read again)."""
    i = _ITEM
    a = _ASSIGNMENT.alias("a")
    u = _UNIT
    r = _REPORT

    def names(role: str) -> Any:
        return func.array(
            sa_select(u.c.name)
            .select_from(a.join(u, u.c.id == a.c.unit_id))
            .where(a.c.item_id == i.c.id, a.c.role == literal(role))
            .order_by(a.c.created_at, a.c.id)
            .scalar_subquery()
        )

    stmt = (
        sa_select(
            i.c.id,
            i.c.code,
            i.c.title,
            i.c.kind,
            i.c.status,
            i.c.due_on,
            i.c.sort_key,
            i.c.light,
            i.c.light_overdue,
            i.c.light_due_soon,
            i.c.light_next_due_on,
            i.c.light_reasons,
            stale(Item, bindparam("today", type_=Date())).label("stale"),
            names("lead").label("lead_units"),
            names("co").label("co_units"),
            sa_select(a.c.percent)
            .where(a.c.item_id == i.c.id, a.c.role == literal("lead"), a.c.percent.is_not(None))
            .order_by(a.c.created_at, a.c.id)
            .limit(1)
            .scalar_subquery()
            .label("percent"),
            sa_select(func.max(r.c.created_at))
            .where(r.c.item_id == i.c.id)
            .scalar_subquery()
            .label("last_report_at"),
        )
        .where(
            i.c.plan_id == bindparam("plan_id", type_=Uuid()),
            i.c.kind.in_([literal(k) for k in ACTIONABLE]),
            tuple_(i.c.sort_key, i.c.id)
            > tuple_(bindparam("after_key", type_=String()), bindparam("after_id", type_=Uuid())),
        )
        .order_by(i.c.sort_key, i.c.id)
        .limit(bindparam("limit", type_=Integer()))
    )
    if unit:
        stmt = stmt.where(
            i.c.id.in_(
                sa_select(a.c.item_id).where(a.c.unit_id == bindparam("unit_id", type_=Uuid()))
            )
        )
    if status:
        stmt = stmt.where(i.c.status == bindparam("status", type_=String()))
    if light:
        stmt = stmt.where(i.c.light == bindparam("light", type_=String()))
    return Prepared(stmt)


_ITEM: Any = Item.__table__  # type: ignore[attr-defined]
_ASSIGNMENT: Any = Assignment.__table__  # type: ignore[attr-defined]
_UNIT: Any = Unit.__table__  # type: ignore[attr-defined]
_REPORT: Any = ProgressReport.__table__  # type: ignore[attr-defined]
_PAGES = {
    (unit, status, light): _page_statement(unit=unit, status=status, light=light)
    for unit in (False, True)
    for status in (False, True)
    for light in (False, True)
}
_TASKS_CURSOR = "plan-tasks"
_TASK_LIGHTS = TypeAdapter(list[TaskLight])


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
    given), filtered by the stored state and light in the query: one statement on the driver."""
    after = keyset_place(cursor, _TASKS_CURSOR, _tasks_key) or ["", uuid.UUID(int=0)]
    params: dict[str, Any] = {
        "plan_id": plan.id,
        "today": today,
        "after_key": after[0],
        "after_id": after[1],
        "limit": limit + 1,
        "unit_id": unit_id,
        "status": status,
        "light": light,
    }
    page = _PAGES[(unit_id is not None, status is not None, light is not None)]
    conn = await driver(session)
    rows = await page.fetch(conn, params)
    stale_ids = {r["id"] for r in rows if r["stale"]}
    if stale_ids:
        # Only when the daily sweep has not run: store today's lights, then read them.
        await refresh_tasks(session, stale_ids, today)
        rows = await page.fetch(conn, params)
    more = len(rows) > limit
    rows = rows[:limit]
    items = _TASK_LIGHTS.validate_python(
        [
            {
                "id": r["id"],
                "code": r["code"],
                "title": r["title"],
                "kind": r["kind"],
                "status": r["status"],
                "lead_units": r["lead_units"],
                "co_units": r["co_units"],
                "due_on": r["due_on"],
                "next_due_on": r["light_next_due_on"],
                "overdue": r["light_overdue"],
                "due_soon": r["light_due_soon"],
                "percent": r["percent"],
                "last_report_at": r["last_report_at"],
                "light": r["light"],
                "light_reasons": r["light_reasons"],
            }
            for r in rows
        ]
    )
    nxt = (
        keyset_cursor(_TASKS_CURSOR, [rows[-1]["sort_key"], str(rows[-1]["id"])]) if more else None
    )
    return items, nxt


def _tasks_key(key: list[Any]) -> list[Any]:
    sort_key, task_id = key
    if not isinstance(sort_key, str):
        raise TypeError(sort_key)
    return [sort_key, uuid.UUID(str(task_id))]


# The tasks of a plan whose stored light is not today's (none while the daily sweep runs).
_STALE_TASKS = Prepared(
    select(col(Item.id))
    .where(
        col(Item.plan_id) == bindparam("plan_id"),
        col(Item.kind).in_([literal(k) for k in ACTIONABLE]),
        stale(Item, bindparam("today", type_=Date())),
    )
    .union(
        select(col(Assignment.item_id)).where(
            col(Assignment.plan_id) == bindparam("plan_id"),
            stale(Assignment, bindparam("today", type_=Date())),
        )
    )
)

_ACTIONABLE_SQL = ", ".join(f"'{k}'" for k in ACTIONABLE)

# Each unit of a plan with its counts and its worst light, ranked red (0), yellow (1), green
# (2): the light names mirror ``light_rules.worst``. An aggregate over the plan's assignments
# (index on plan_id): its cost follows the plan, never the table.
_PLAN_UNITS = """
    SELECT a.unit_id,
           count(*) FILTER (WHERE a.light = 'green') AS green,
           count(*) FILTER (WHERE a.light = 'yellow') AS yellow,
           count(*) FILTER (WHERE a.light = 'red') AS red,
           CASE WHEN bool_or(a.light = 'red') THEN 0
                WHEN bool_or(a.light = 'yellow') THEN 1 ELSE 2 END AS rank
    FROM assignment AS a WHERE a.plan_id = :plan_id
    GROUP BY a.unit_id
"""
RANKED = ("red", "yellow", "green")

_PLAN_SUMMARY = Prepared(
    text(
        f"""
        SELECT
          (SELECT coalesce(json_object_agg(light, n), '{{}}')::text FROM (
             SELECT light, count(*) AS n FROM item
             WHERE plan_id = :plan_id AND kind IN ({_ACTIONABLE_SQL})
             GROUP BY light) AS t) AS tasks,
          (SELECT coalesce(json_object_agg((ARRAY['red', 'yellow', 'green'])[rank + 1], n),
                           '{{}}')::text
           FROM (SELECT rank, count(*) AS n FROM ({_PLAN_UNITS}) AS u GROUP BY rank) AS v
          ) AS units
        """
    ).bindparams(bindparam("plan_id", type_=Uuid()))
)

# One page of the plan's units, worst light first, then by name and id (a total order): the
# keyset is (rank, name, id), so a page at unit 1,500 costs what the first does.
_PLAN_UNITS_PAGE = Prepared(
    text(
        f"""
        SELECT * FROM (
          -- Each name by its key (a join lets the planner hash the whole unit table).
          SELECT u.unit_id, (SELECT name FROM unit WHERE unit.id = u.unit_id) AS unit_name,
                 u.rank, u.green, u.yellow, u.red
          FROM ({_PLAN_UNITS}) AS u
        ) AS x
        WHERE (CAST(:only AS integer) IS NULL OR x.rank = :only)
          AND (x.rank, x.unit_name COLLATE "C", x.unit_id)
              > (:after_rank, CAST(:after_name AS text) COLLATE "C", :after_id)
        ORDER BY x.rank, x.unit_name COLLATE "C", x.unit_id
        LIMIT :limit
        """
    ).bindparams(
        bindparam("plan_id", type_=Uuid()),
        bindparam("after_id", type_=Uuid()),
    )
)

_UNITS_CURSOR = "plan-units"


async def _repair(session: AsyncSession, plan_id: uuid.UUID, today: dt.date) -> None:
    """Before a summary: refresh the lights of the plan that are not today's (none while the
    daily sweep runs)."""
    found = await _STALE_TASKS.fetch(await driver(session), {"plan_id": plan_id, "today": today})
    if found:
        await refresh_tasks(session, {r[0] for r in found}, today)


async def plan_lights(session: AsyncSession, *, plan: Plan, today: dt.date) -> PlanLights:
    """A plan's light (its worst task), the tasks per light and the units per light: one
    statement over the stored lights. The units themselves are paged (``plan_units``)."""
    await _repair(session, plan.id, today)
    row = await _PLAN_SUMMARY.fetchrow(await driver(session), {"plan_id": plan.id})
    light_counts = counts([])
    light_counts.update(json.loads(row["tasks"]))
    unit_counts = counts([])
    unit_counts.update(json.loads(row["units"]))
    return PlanLights(
        plan_id=plan.id,
        light=worst(k for k, v in light_counts.items() if v),
        counts=light_counts,
        unit_counts=unit_counts,
        units_total=sum(unit_counts.values()),
    )


async def plan_units(
    session: AsyncSession,
    *,
    plan: Plan,
    today: dt.date,
    light: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[UnitLight], str | None]:
    """One page of a plan's units with their lights, red first, then yellow, then green."""
    after = keyset_place(cursor, _UNITS_CURSOR, _units_key) or [-1, "", uuid.UUID(int=0)]
    await _repair(session, plan.id, today)
    rows = await _PLAN_UNITS_PAGE.fetch(
        await driver(session),
        {
            "plan_id": plan.id,
            "only": RANKED.index(light) if light else None,
            "after_rank": after[0],
            "after_name": after[1],
            "after_id": after[2],
            "limit": limit + 1,
        },
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        UnitLight(
            unit_id=r["unit_id"],
            unit_name=r["unit_name"],
            light=RANKED[r["rank"]],
            counts={k: r[k] for k in LIGHTS},
        )
        for r in rows
    ]
    last = rows[-1] if rows else None
    nxt = (
        keyset_cursor(_UNITS_CURSOR, [last["rank"], last["unit_name"], str(last["unit_id"])])
        if more and last is not None
        else None
    )
    return items, nxt


def _units_key(key: list[Any]) -> list[Any]:
    rank, name, unit_id = key
    if type(rank) is not int or rank not in (0, 1, 2) or not isinstance(name, str):
        raise ValueError(key)
    return [rank, name, uuid.UUID(str(unit_id))]


async def unit_lights(
    session: AsyncSession, *, unit: Unit, plan_id: uuid.UUID | None, today: dt.date
) -> UnitLights:
    """A unit's light over its assignments (in one plan, or all): one aggregate."""
    scope = col(Assignment.unit_id) == unit.id
    if plan_id:
        scope = scope & (col(Assignment.plan_id) == plan_id)
    stale_tasks = (
        await session.scalars(select(Assignment.item_id).where(scope, stale(Assignment, today)))
    ).all()
    if stale_tasks:
        await refresh_tasks(session, stale_tasks, today)
    light_counts = counts([])
    overdue = due_soon = 0
    for unit_light, n, o, d in (
        await session.execute(
            select(
                Assignment.light,
                func.count(),
                func.count().filter(col(Assignment.light_overdue)),
                func.count().filter(col(Assignment.light_due_soon)),
            )
            .where(scope)
            .group_by(col(Assignment.light))
        )
    ).all():
        light_counts[unit_light] = int(n)
        overdue += int(o)
        due_soon += int(d)
    return UnitLights(
        unit_id=unit.id,
        light=worst(k for k, v in light_counts.items() if v),
        counts=light_counts,
        overdue=overdue,
        due_soon=due_soon,
    )
