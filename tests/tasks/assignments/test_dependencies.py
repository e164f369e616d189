"""What the assignment loaders refuse: an unknown unit in the body, writers out of region,
and fields the caller's role may not set."""

from __future__ import annotations

import uuid

from tasks.world import build_world, etag, ok


async def test_new_assignment_names_a_known_unit_in_region(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    path = f"/api/v1/tasks/{w.ids['task3']}/assignments"
    async with w.client("planner") as c:
        r = await c.post(path, json={"unit_id": str(uuid.uuid4()), "role": "lead"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_id"
    async with w.client("planner_other") as c:
        r = await c.post(path, json={"unit_id": w.ids["unit_b"], "role": "lead"})
        assert r.status_code == 403 and r.json()["code"] == "region_forbidden"
    async with w.client("planner") as c:
        row = ok(await c.post(path, json={"unit_id": w.ids["unit_b"], "role": "lead"}), 201)
        assert (row["unit_id"], row["role"]) == (w.ids["unit_b"], "lead")


async def test_each_role_sets_only_its_own_fields(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    path = f"/api/v1/assignments/{w.ids['a1']}"
    tag = await etag(w, path)
    async with w.client("unit_a") as c:
        r = await c.patch(path, json={"role": "co"}, headers={"If-Match": tag})
        assert r.status_code == 403 and r.json()["code"] == "field_forbidden"
        # A null is a malformed value, not a forbidden field.
        r = await c.patch(path, json={"role": None}, headers={"If-Match": tag})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"
    async with w.client("planner") as c:
        r = await c.patch(path, json={"status": "completed"}, headers={"If-Match": tag})
        assert r.status_code == 403 and r.json()["code"] == "field_forbidden"
    async with w.client("leader") as c:
        r = await c.patch(path, json={"status": "completed"}, headers={"If-Match": tag})
        assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
    async with w.client("unit_a") as c:
        r = await c.patch(path, json={"status": "completed"}, headers={"If-Match": tag})
        assert ok(r)["status"] == "completed"
