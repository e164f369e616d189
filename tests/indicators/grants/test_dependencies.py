"""Granting checks the indicator named in the body and the region against the plan's."""

from __future__ import annotations

from harness import client_for

from indicators.helpers import COUNTY, OTHER_CITY, REGION, make_indicator


async def test_grant_region_must_lie_in_the_plan(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as admin:
        ind = await make_indicator(admin, await new_plan(REGION))
    body = {"unit_id": "unit-a", "indicator_id": ind["id"]}
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        r = await c.post("/api/v1/indicator_grants", json={**body, "region_code": OTHER_CITY})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
        r = await c.post("/api/v1/indicator_grants", json={**body, "region_code": COUNTY})
        assert r.status_code == 201, r.text
        grant = r.json()
    async with client_for(indicators, make_token("planner", region_code=OTHER_CITY)) as c:
        r = await c.post("/api/v1/indicator_grants", json={**body, "region_code": REGION})
        assert r.status_code == 404  # another city sees none of it
        r = await c.delete(f"/api/v1/indicator_grants/{grant['id']}", headers={"If-Match": '"1"'})
        assert r.status_code == 404  # another city sees none of it
    async with client_for(indicators, make_token("unit", unit_id="unit-b")) as c:
        r = await c.get(f"/api/v1/indicator_grants/{grant['id']}")
        assert r.status_code == 404 and r.json()["code"] == "grant_not_found"
