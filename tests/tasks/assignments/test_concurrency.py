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
