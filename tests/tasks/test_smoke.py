from __future__ import annotations

from tasks.world import build_world, ok


async def test_world_builds(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("unit_a") as c:
        mine = ok(await c.get("/api/v1/assignments"))["items"]
        assert [a["id"] for a in mine] == [w.ids["a1"]]
        assert mine[0]["status"] == "completed"
