"""Reporting checks the indicator and region named in the body: the region must lie in the
plan's, a planner must be of the plan's region, a leader only reads."""

from __future__ import annotations

from harness import client_for

from indicators.helpers import COUNTY, OTHER_CITY, REGION, make_indicator


async def test_reported_region_must_lie_in_the_plan(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as admin:
        ind = await make_indicator(admin, await new_plan(REGION))
    body = {"indicator_id": ind["id"], "period": "2023", "value": 5.1}
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        r = await c.post("/api/v1/measurements", json={**body, "region_code": OTHER_CITY})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
        r = await c.post("/api/v1/measurements", json={**body, "region_code": COUNTY})
        assert r.status_code == 201, r.text
        m = r.json()
    async with client_for(indicators, make_token("planner", region_code=OTHER_CITY)) as c:
        # Another city's planner does not see the indicator or its values at all.
        r = await c.post("/api/v1/measurements", json={**body, "region_code": REGION})
        assert r.status_code == 404, r.text
        r = await c.patch(
            f"/api/v1/measurements/{m['id']}", json={"source": "年报"}, headers={"If-Match": '"1"'}
        )
        assert r.status_code == 404, r.text
    async with client_for(indicators, make_token("leader")) as c:
        r = await c.post("/api/v1/measurements", json={**body, "region_code": REGION})
        assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
        r = await c.post(f"/api/v1/measurements/{m['id']}/submit", headers={"If-Match": '"1"'})
        assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
    async with client_for(indicators, make_token("unit", unit_id="unit-none")) as c:
        r = await c.post("/api/v1/measurements", json={**body, "region_code": REGION})
        assert r.status_code == 404 and r.json()["code"] == "indicator_not_found"
