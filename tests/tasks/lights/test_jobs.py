"""The light jobs run by the worker as a real process: the sweep moves a light the date alone
has moved; a plan's recompute applies its new rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import select, text

from dudao_shared import migrate
from dudao_shared.clock import get_today
from dudao_shared.db import Database
from dudao_shared.jobs import defer_in
from dudao_tasks.migrations import MIGRATIONS_DIR
from dudao_tasks.models import Assignment, Item, ItemDeadline, Plan, Unit
from dudao_tasks.plans.light_store import REFRESH_PLAN_TASK, SWEEP_TASK, refresh_tasks
from tasks.notifications.peers import wait_for, worker_env, workers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lights_db(databases) -> str:  # type: ignore[no-untyped-def]
    url = databases.create("tasks_light_jobs")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url


async def _task(db: Database, due_on: dt.date, computed_on: dt.date) -> tuple[uuid.UUID, uuid.UUID]:
    """A plan with one task due on ``due_on``, one lead unit, lights stored for ``computed_on``."""
    async with db.sessionmaker() as s:
        unit = Unit(name=f"县卫健委{uuid.uuid4().hex[:6]}", level="county", region_code="360112")
        plan = Plan(title="规划", level="county", region_code="360112", created_by="test")
        s.add_all([unit, plan])
        await s.flush()
        item = Item(
            plan_id=plan.id,
            kind="task",
            code="1",
            label="1",
            title="任务",
            sort_key="00000",
            due_on=due_on,
        )
        s.add(item)
        await s.flush()
        s.add(ItemDeadline(item_id=item.id, due_on=due_on))
        s.add(Assignment(plan_id=plan.id, item_id=item.id, unit_id=unit.id, role="lead"))
        await s.flush()
        await refresh_tasks(s, [item.id], computed_on)
        await s.commit()
        return plan.id, item.id


async def _light(db: Database, item_id: uuid.UUID) -> tuple[str, list[str]]:
    async with db.sessionmaker() as s:
        row = (
            await s.execute(select(Item.light, Item.light_reasons).where(Item.id == item_id))
        ).one()
        return row[0], list(row[1])


def _poll(db: Database, item_id: uuid.UUID, want: str) -> None:
    def check() -> bool:
        return asyncio.run(_light_fresh(db.url, item_id))[0] == want

    wait_for(check, f"light {want}")


async def _light_fresh(url: str, item_id: uuid.UUID) -> tuple[str, list[str]]:
    db = Database(url)
    try:
        return await _light(db, item_id)
    finally:
        await db.dispose()


async def test_worker_sweeps_and_recomputes_lights(lights_db, keypair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    today = get_today()
    db = Database(lights_db)
    try:
        # Stored five days ago as due soon; the deadline was yesterday: only the sweep knows.
        _, late = await _task(db, today - dt.timedelta(days=1), today - dt.timedelta(days=5))
        assert await _light(db, late) == ("yellow", ["due_soon"])
        # Due in 20 days: green under the default rules, yellow once due_soon_days is 30.
        plan, later = await _task(db, today + dt.timedelta(days=20), today)
        assert await _light(db, later) == ("green", [])
        async with db.sessionmaker() as s:
            await defer_in(s, SWEEP_TASK, args={"timestamp": 0})
            await s.execute(
                text("UPDATE plan SET light_rules = '{\"due_soon_days\": 30}' WHERE id = :id"),
                {"id": plan},
            )
            await defer_in(s, REFRESH_PLAN_TASK, args={"plan_id": str(plan)})
            await s.commit()
        with workers(worker_env(lights_db, keypair[1]), ["w1"], tmp_path / "logs"):
            await asyncio.to_thread(_poll, db, late, "red")
            await asyncio.to_thread(_poll, db, later, "yellow")
        assert await _light(db, late) == ("red", ["overdue"])
        assert await _light(db, later) == ("yellow", ["due_soon"])
    finally:
        await db.dispose()
