"""What the plan loaders refuse before any service runs: unknown ids named in a body, and
regions outside the writer's."""

from __future__ import annotations

import uuid

from tasks.world import OTHER_REGION, PLANNER_REGION, REGION, build_world, etag, ok


async def test_new_plan_names_only_known_units_and_parent(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    base = {"title": "测试方案", "level": "county", "region_code": REGION}
    async with w.client("planner") as c:
        r = await c.post(
            "/api/v1/plans",
            json={
                **base,
                "items": [{"code": "1", "kind": "task", "title": "任务"}],
                "assignments": [{"code": "1", "unit_id": str(uuid.uuid4()), "role": "lead"}],
            },
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "assignments.0.unit_id"
        r = await c.post("/api/v1/plans", json={**base, "parent_plan_id": str(uuid.uuid4())})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_plan_id"
        # A plan of the same level is no parent: it must stand higher and contain the region.
        r = await c.post("/api/v1/plans", json={**base, "parent_plan_id": w.ids["plan"]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_plan_id"
        city = ok(
            await c.post(
                "/api/v1/plans",
                json={"title": "南昌市方案", "level": "city", "region_code": PLANNER_REGION},
            ),
            201,
        )
        r = await c.post("/api/v1/plans", json={**base, "parent_plan_id": city["id"]})
        assert ok(r, 201)["parent_plan_id"] == city["id"]


async def test_plan_moves_only_into_the_writers_region(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    path = f"/api/v1/plans/{w.ids['plan']}"
    tag = await etag(w, path)
    async with w.client("planner") as c:
        r = await c.patch(path, json={"region_code": OTHER_REGION}, headers={"If-Match": tag})
        assert r.status_code == 403 and r.json()["code"] == "region_forbidden"
        r = await c.patch(path, json={"region_code": "999999"}, headers={"If-Match": tag})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
        r = await c.patch(
            path, json={"parent_plan_id": str(uuid.uuid4())}, headers={"If-Match": tag}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_plan_id"
    async with w.client("admin") as c:
        # A plan's level goes with its region: a county plan is not moved onto a city.
        r = await c.patch(path, json={"region_code": OTHER_REGION}, headers={"If-Match": tag})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "level"
        r = await c.patch(
            path, json={"region_code": OTHER_REGION, "level": "city"}, headers={"If-Match": tag}
        )
        assert ok(r)["region_code"] == OTHER_REGION
