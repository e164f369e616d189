"""Stored lights: written with each change, moved by the sweep when only the date changes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import text

from dudao_shared.clock import today_dependency
from dudao_tasks.plans.light_store import sweep
from tasks.world import build_world, etag, ok


async def _stored(app: Any, table: str, row_id: str) -> tuple[str, list[str], dt.date | None]:
    async with app.state.db.sessionmaker() as s:
        row = (
            await s.execute(
                text(f"SELECT light, light_reasons, light_on FROM {table} WHERE id = :id"),
                {"id": uuid.UUID(row_id)},
            )
        ).one()
        return row.light, list(row.light_reasons), row.light_on


async def _sweep(app: Any, today: dt.date) -> int:
    async with app.state.db.sessionmaker() as s:
        moved = await sweep(s, today)
        await s.commit()
        return moved


async def test_sweep_moves_lights_when_only_the_date_changes(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tasks.dependency_overrides[today_dependency] = lambda: dt.date(2023, 12, 26)
    try:
        w = await build_world(tasks, make_token, completed=False)
        # Written by the plan's creation and the unit's report: due on 2023-12-31, so yellow.
        assert await _stored(tasks, "item", w.ids["task2"]) == (
            "yellow",
            ["due_soon"],
            dt.date(2023, 12, 26),
        )
        assert (await _stored(tasks, "assignment", w.ids["a2"]))[0] == "yellow"
        # Nothing changes on 12-27: the stored lights hold until a deadline moves them.
        assert await _sweep(tasks, dt.date(2023, 12, 27)) == 0
        # On 2024-01-01 the deadline has passed: the sweep alone turns them red.
        assert await _sweep(tasks, dt.date(2024, 1, 1)) >= 2
        assert await _stored(tasks, "item", w.ids["task2"]) == (
            "red",
            ["overdue"],
            dt.date(2024, 1, 1),
        )
        assert await _stored(tasks, "assignment", w.ids["a2"]) == (
            "red",
            ["overdue"],
            dt.date(2024, 1, 1),
        )
        # Task 1 has a later deadline (2025-12-31): after 2023-12-31 it is no longer due soon.
        assert (await _stored(tasks, "item", w.ids["task1"]))[0] == "green"
        assert await _sweep(tasks, dt.date(2024, 1, 1)) == 0
        tasks.dependency_overrides[today_dependency] = lambda: dt.date(2024, 1, 1)
        async with w.client("planner") as planner:
            summary = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/lights"))
            assert summary["light"] == "red"
            red = ok(
                await planner.get(f"/api/v1/plans/{w.ids['plan']}/tasks", params={"light": "red"})
            )["items"]
            assert [t["id"] for t in red] == [w.ids["task2"]]
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_a_light_of_another_day_is_refreshed_on_read(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tasks.dependency_overrides[today_dependency] = lambda: dt.date(2023, 12, 26)
    try:
        w = await build_world(tasks, make_token, completed=False)
        tasks.dependency_overrides[today_dependency] = lambda: dt.date(2024, 1, 2)
        async with w.client("unit_b") as ub:
            got = ok(await ub.get(f"/api/v1/assignments/{w.ids['a2']}"))
            assert (got["light"], got["overdue"]) == ("red", True)
        assert (await _stored(tasks, "assignment", w.ids["a2"]))[2] == dt.date(2024, 1, 2)
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_co_units_follow_the_task_once_accepted(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tasks.dependency_overrides[today_dependency] = lambda: dt.date(2026, 3, 1)
    try:
        w = await build_world(tasks, make_token, completed=True)
        async with w.client("planner") as planner:
            co = ok(await planner.get(f"/api/v1/assignments/{w.ids['a_co']}"))
            assert co["light"] == "red"  # the task is past its last deadline and not accepted
            tag = await etag(w, f"/api/v1/assignments/{w.ids['a1']}")
            ok(
                await planner.post(
                    f"/api/v1/assignments/{w.ids['a1']}/review",
                    json={"decision": "accept"},
                    headers={"If-Match": tag},
                )
            )
            co = ok(await planner.get(f"/api/v1/assignments/{w.ids['a_co']}"))
            assert (co["light"], co["light_reasons"], co["overdue"]) == ("green", [], False)
            assert co["status"] == "not_started"  # its own state is its own; only the light follows
            units = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/lights/units"))["items"]
            by_id = {u["unit_id"]: u for u in units}
            assert by_id[w.ids["unit_c"]]["light"] == "green"
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_a_task_without_units_is_flagged_never_green(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tasks.dependency_overrides[today_dependency] = lambda: dt.date(2023, 7, 1)
    try:
        w = await build_world(tasks, make_token, completed=False)
        async with w.client("planner") as planner:
            rows = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/tasks"))["items"]
            t3 = next(t for t in rows if t["id"] == w.ids["task3"])
            assert (t3["light"], t3["light_reasons"]) == ("yellow", ["unassigned"])
            # Given a lead unit, it is an ordinary task again.
            ok(
                await planner.post(
                    f"/api/v1/tasks/{w.ids['task3']}/assignments",
                    json={"unit_id": w.ids["unit_b"], "role": "lead"},
                ),
                201,
            )
            rows = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/tasks"))["items"]
            t3 = next(t for t in rows if t["id"] == w.ids["task3"])
            assert (t3["light"], t3["light_reasons"]) == ("green", [])
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)
