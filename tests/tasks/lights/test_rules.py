"""Lights follow each plan's configurable rules."""

from __future__ import annotations

import datetime as dt

from dudao_shared.clock import today_dependency
from tasks.world import build_world, etag, ok


async def test_lights_rules_configurable(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tasks.dependency_overrides[today_dependency] = lambda: dt.date(2025, 12, 1)
    try:
        w = await build_world(tasks, make_token, completed=False)
        async with w.client("planner") as planner:
            rows = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/tasks"))["items"]
            t1 = next(t for t in rows if t["id"] == w.ids["task1"])
            assert t1["light"] == "green" and t1["due_soon"] is False  # 30 days to go
            tag = await etag(w, f"/api/v1/plans/{w.ids['plan']}")
            plan = ok(
                await planner.patch(
                    f"/api/v1/plans/{w.ids['plan']}",
                    json={"light_rules": {"due_soon_days": 45}},
                    headers={"If-Match": tag},
                )
            )
            assert plan["light_rules"]["due_soon_days"] == 45
            rows = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/tasks"))["items"]
            t1 = next(t for t in rows if t["id"] == w.ids["task1"])
            assert t1["light"] == "yellow" and t1["light_reasons"] == ["due_soon"]
            r = await planner.patch(
                f"/api/v1/plans/{w.ids['plan']}",
                json={"light_rules": {"due_soon_days": -1}},
                headers={"If-Match": f'"{plan["version"]}"'},
            )
            assert r.status_code == 422
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)
