"""Plan routes: refused inputs, versions and status transitions."""

from __future__ import annotations

from tasks.world import REGION, build_world, etag


async def test_bad_inputs_are_4xx_never_500(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("admin") as c:
        for path in (
            "/api/v1/tasks/not-a-uuid",
            "/api/v1/plans/1",
            "/api/v1/files/%00",
            "/api/v1/assignments/" + "9" * 500,
            "/api/v1/regions/999999",
        ):
            r = await c.get(path)
            assert r.status_code == 404, (path, r.text)
        r = await c.post(
            "/api/v1/plans", json={"title": "x" * 10_000, "level": "county", "region_code": REGION}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
        r = await c.post(
            "/api/v1/plans", json={"title": "x", "level": "county", "region_code": "123456"}
        )
        assert r.status_code == 422
        r = await c.get("/api/v1/plans", params={"cursor": "!!!"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
        r = await c.get("/api/v1/plans", params={"order": "password"})
        assert r.status_code == 422
        plan = f"/api/v1/plans/{w.ids['plan']}"
        r = await c.patch(plan, json={"issuer": "x"})
        assert r.status_code == 428 and r.json()["code"] == "if_match_required"
        r = await c.patch(plan, json={"issuer": "x"}, headers={"If-Match": '"999"'})
        assert r.status_code == 412
        tag = await etag(w, plan)
        r = await c.patch(plan, json={"status": "archived"}, headers={"If-Match": tag})
        assert r.status_code == 409 and r.json()["code"] == "invalid_status_transition"
        r = await c.patch(plan, json={"status": "published"}, headers={"If-Match": tag})
        assert r.status_code == 200 and r.headers["etag"] == f'"{int(tag.strip(chr(34))) + 1}"'
