"""What the assignment loaders refuse: an unknown unit in the body, writers out of region,
and fields the caller's role may not set."""

from __future__ import annotations

import uuid

from tasks.world import OTHER_REGION, build_world, etag, make_unit, ok


async def test_new_assignment_names_a_known_unit_in_region(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    path = f"/api/v1/tasks/{w.ids['task3']}/assignments"
    async with w.client("planner") as c:
        r = await c.post(path, json={"unit_id": str(uuid.uuid4()), "role": "lead"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_id"
    async with w.client("planner_other") as c:
        # Another city's planner does not see the task at all.
        r = await c.post(path, json={"unit_id": w.ids["unit_b"], "role": "lead"})
        assert r.status_code == 404 and r.json()["code"] == "task_not_found"
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


async def test_a_unit_of_another_region_is_not_given_the_task(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: a planner could assign a unit of another region to its task."""
    w = await build_world(tasks, make_token)
    async with w.client("admin") as admin:
        foreign = await make_unit(admin, f"景德镇市卫健委{w.ids['tag']}", region=OTHER_REGION)
    path = f"/api/v1/tasks/{w.ids['task3']}/assignments"
    for role in ("planner", "admin"):
        async with w.client(role) as c:
            r = await c.post(path, json={"unit_id": foreign["id"], "role": "lead"})
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == "unit_id"
            r = await c.get(f"/api/v1/tasks/{w.ids['task3']}/assignments")
            assert r.json()["items"] == []
    # The same for a plan created with its assignments in the body.
    async with w.client("planner") as c:
        r = await c.post(
            "/api/v1/plans",
            json={
                "title": "跨区分工",
                "level": "county",
                "region_code": "360112",
                "items": [{"code": "1", "kind": "task", "title": "任务"}],
                "assignments": [{"code": "1", "unit_id": foreign["id"], "role": "lead"}],
            },
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "assignments.0.unit_id"


async def test_a_city_leader_reads_only_its_own_citys_assignments_and_audit(
    tasks, make_token
) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: a leader of one city read every other city's assignments and audit."""
    w = await build_world(tasks, make_token)
    async with w.client("leader_other") as c:
        assert ok(await c.get("/api/v1/assignments"))["items"] == []
        assert (
            ok(await c.get("/api/v1/assignments", params={"plan_id": w.ids["plan"]}))["items"] == []
        )
        assert ok(await c.get("/api/v1/audit_events"))["items"] == []
        assert (
            ok(await c.get("/api/v1/audit_events", params={"plan_id": w.ids["plan"]}))["items"]
            == []
        )
        r = await c.get(f"/api/v1/assignments/{w.ids['a1']}")
        assert r.status_code == 404
    async with w.client("leader_city") as c:
        mine = ok(await c.get("/api/v1/assignments", params={"plan_id": w.ids["plan"]}))["items"]
        assert {a["id"] for a in mine} == {w.ids["a1"], w.ids["a2"], w.ids["a_co"]}
        events = ok(await c.get("/api/v1/audit_events", params={"plan_id": w.ids["plan"]}))
        assert events["items"]
