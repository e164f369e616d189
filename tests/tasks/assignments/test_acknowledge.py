"""签收: the unit acknowledges its own assignment once; who and when are kept and audited."""

from __future__ import annotations

import datetime as dt

from dudao_shared.clock import today_dependency
from tasks.world import build_world, ok


async def test_unit_acknowledges_once(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    a1 = w.ids["a1"]
    async with (
        w.client("unit_a") as unit,
        w.client("planner") as planner,
        w.client("unit_b") as other,
    ):
        before = ok(await unit.get(f"/api/v1/assignments/{a1}"))
        assert before["acknowledged_at"] is None and before["assigned_at"]
        assigned = dt.datetime.fromisoformat(before["assigned_at"]).date()
        # The plan's default rule: acknowledge within 3 days of being given the task.
        assert dt.date.fromisoformat(before["ack_due_on"]) - assigned <= dt.timedelta(days=4)

        # Staff cannot sign for the unit; another unit does not even see it.
        r = await planner.post(f"/api/v1/assignments/{a1}/acknowledge")
        assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
        r = await other.post(f"/api/v1/assignments/{a1}/acknowledge")
        assert r.status_code == 404

        done = ok(await unit.post(f"/api/v1/assignments/{a1}/acknowledge"))
        assert done["acknowledged_at"] and done["acknowledged_by"] == f"unit:{w.ids['unit_a']}"
        assert done["ack_overdue"] is False
        again = await unit.post(f"/api/v1/assignments/{a1}/acknowledge")
        assert again.status_code == 409 and again.json()["code"] == "already_acknowledged"

        events = ok(await planner.get(f"/api/v1/tasks/{w.ids['task1']}/audit_events"))["items"]
        acks = [e for e in events if e["action"] == "acknowledge"]
        assert len(acks) == 1 and acks[0]["unit_id"] == w.ids["unit_a"]


async def test_unacknowledged_past_the_rule_is_flagged(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    async with w.client("planner") as planner:
        row = ok(await planner.get(f"/api/v1/assignments/{w.ids['a2']}"))
        due = dt.date.fromisoformat(row["ack_due_on"])
        tasks.dependency_overrides[today_dependency] = lambda: due + dt.timedelta(days=1)
        try:
            late = ok(await planner.get(f"/api/v1/assignments/{w.ids['a2']}"))
            assert late["acknowledged_at"] is None and late["ack_overdue"] is True
        finally:
            tasks.dependency_overrides.pop(today_dependency, None)
