"""What the unit loaders refuse: unknown units named in a body, regions outside the writer's."""

from __future__ import annotations

import uuid

from tasks.world import OTHER_REGION, REGION, build_world, etag, ok


async def test_units_named_in_a_body_must_exist(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    body = {"name": f"区医保局{w.ids['tag']}", "level": "county", "region_code": REGION}
    async with w.client("planner") as c:
        for field in ("parent_id", "successor_id"):
            r = await c.post("/api/v1/units", json={**body, field: str(uuid.uuid4())})
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
        path = f"/api/v1/units/{w.ids['unit_b']}"
        r = await c.patch(
            path,
            json={"successor_id": str(uuid.uuid4())},
            headers={"If-Match": await etag(w, path)},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "successor_id"
        made = ok(await c.post("/api/v1/units", json={**body, "parent_id": w.ids["unit_a"]}), 201)
        assert made["parent_id"] == w.ids["unit_a"]


async def test_unit_moves_only_into_the_writers_region(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    path = f"/api/v1/units/{w.ids['unit_b']}"
    tag = await etag(w, path)
    async with w.client("planner") as c:
        r = await c.patch(path, json={"region_code": OTHER_REGION}, headers={"If-Match": tag})
        assert r.status_code == 403 and r.json()["code"] == "region_forbidden"
        r = await c.post(
            "/api/v1/units", json={"name": "市卫健委", "level": "city", "region_code": OTHER_REGION}
        )
        assert r.status_code == 403 and r.json()["code"] == "region_forbidden"
    async with w.client("admin") as c:
        r = await c.patch(path, json={"region_code": OTHER_REGION}, headers={"If-Match": tag})
        assert ok(r)["region_code"] == OTHER_REGION
