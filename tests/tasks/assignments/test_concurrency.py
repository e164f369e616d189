"""Real concurrency: separate connections, committed data (the session app, not rolled back)."""

from __future__ import annotations

import asyncio

from tasks.world import build_world, etag, ok


async def test_50_patches_one_etag_exactly_one_wins(tasks_app, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks_app, make_token)
    path = f"/api/v1/plans/{w.ids['plan']}"
    tag = await etag(w, path)
    async with w.client("planner") as c:
        results = await asyncio.gather(
            *[
                c.patch(path, json={"issuer": f"发文机关 {i}"}, headers={"If-Match": tag})
                for i in range(50)
            ]
        )
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1 and codes.count(412) == 49, codes
    assert all(r.json()["code"] == "version_mismatch" for r in results if r.status_code == 412)
    winner = next(r for r in results if r.status_code == 200)
    async with w.client("admin") as c:
        plan = ok(await c.get(path))
        assert (
            plan["issuer"] == winner.json()["issuer"] and plan["version"] == int(tag.strip('"')) + 1
        )
        events = ok(
            await c.get(
                "/api/v1/audit_events", params={"entity": "plan", "entity_id": w.ids["plan"]}
            )
        )["items"]
        assert sum(1 for e in events if e["action"] == "update") == 1


async def test_20_status_updates_one_etag_one_write_one_record(tasks_app, make_token) -> None:  # type: ignore[no-untyped-def]
    """The status update is one statement (assignment, task, audit): of 20 units' requests on
    the same version exactly one changes anything, and it is recorded once."""
    w = await build_world(tasks_app, make_token, completed=False)
    path = f"/api/v1/assignments/{w.ids['a1']}"
    tag = await etag(w, path)
    audit = {"entity": "assignment", "entity_id": w.ids["a1"]}

    async def status_records(c) -> int:  # type: ignore[no-untyped-def]
        events = ok(await c.get("/api/v1/audit_events", params=audit))["items"]
        return sum(1 for e in events if e["action"] == "status")

    async with w.client("admin") as c:
        task_before = ok(await c.get(f"/api/v1/tasks/{w.ids['task1']}"))
        records_before = await status_records(c)
        # A state the task is not in, so its version must move exactly once.
        target = "not_started" if task_before["status"] == "in_progress" else "in_progress"
    async with w.client("unit_a") as c:
        results = await asyncio.gather(
            *[c.patch(path, json={"status": target}, headers={"If-Match": tag}) for _ in range(20)]
        )
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1 and codes.count(412) == 19, codes
    async with w.client("admin") as c:
        row = ok(await c.get(path))
        assert (row["status"], row["version"]) == (target, int(tag.strip('"')) + 1)
        task = ok(await c.get(f"/api/v1/tasks/{w.ids['task1']}"))
        assert task["status"] == target and task["version"] == task_before["version"] + 1
        assert await status_records(c) == records_before + 1
