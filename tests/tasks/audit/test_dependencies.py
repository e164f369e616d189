"""Who sees which events of a task: its lead unit all of them, a co-unit task-level events and
its own."""

from __future__ import annotations

from harness import client_for

from tasks.world import build_world, ok


async def test_co_unit_sees_task_events_and_its_own_only(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    path = f"/api/v1/tasks/{w.ids['task1']}/audit_events"
    async with w.client("unit_a") as c:
        lead_view = ok(await c.get(path))["items"]
    async with w.client("admin") as c:
        staff_view = ok(await c.get(path))["items"]
    unit_c = make_token("unit", unit_id=w.ids["unit_c"], sub=f"unit:{w.ids['unit_c']}")
    async with client_for(tasks, unit_c) as c:
        co_view = ok(await c.get(path))["items"]
    assert [e["id"] for e in lead_view] == [e["id"] for e in staff_view]
    assert {e["unit_id"] for e in lead_view} >= {w.ids["unit_a"], w.ids["unit_c"]}
    assert {e["unit_id"] for e in co_view} <= {None, w.ids["unit_c"]}
    assert any(e["unit_id"] == w.ids["unit_c"] for e in co_view)
    assert len(co_view) < len(lead_view)
