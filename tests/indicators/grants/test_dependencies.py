"""Granting checks the indicator named in the body, the region against the plan's, and the
unit against the task service's record of it (it exists, and lies in the granter's region)."""

from __future__ import annotations

import uuid

from harness import client_for

from indicators.helpers import COUNTY, OTHER_CITY, REGION, make_indicator

GRANTS = "/api/v1/indicator_grants"


async def test_grant_region_must_lie_in_the_plan(
    new_plan, new_unit, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as admin:
        ind = await make_indicator(admin, await new_plan(REGION))
    unit = await new_unit(COUNTY, "county")
    body = {"unit_id": unit, "indicator_id": ind["id"]}
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        r = await c.post(GRANTS, json={**body, "region_code": OTHER_CITY})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
        r = await c.post(GRANTS, json={**body, "region_code": COUNTY})
        assert r.status_code == 201, r.text
        grant = r.json()
    async with client_for(indicators, make_token("planner", region_code=OTHER_CITY)) as c:
        r = await c.post(GRANTS, json={**body, "region_code": REGION})
        assert r.status_code == 404  # another city sees none of it
        r = await c.delete(f"{GRANTS}/{grant['id']}", headers={"If-Match": '"1"'})
        assert r.status_code == 404  # another city sees none of it
    async with client_for(indicators, make_token("unit", unit_id="unit-b")) as c:
        r = await c.get(f"{GRANTS}/{grant['id']}")
        assert r.status_code == 404 and r.json()["code"] == "grant_not_found"


async def test_granted_unit_is_checked_against_the_task_service_for_each_role(
    new_plan, new_unit, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    """Admin: any known unit. A city's planner: units of its city and counties; another city's
    unit is 403 region_forbidden. Unknown units are 422 naming ``unit_id`` for every writer.
    Leader and unit tokens may not grant at all (403 before any lookup)."""
    async with client_for(indicators, make_token("admin")) as admin:
        ind = await make_indicator(admin, await new_plan(REGION))
    in_city = await new_unit(REGION, "city")
    in_county = await new_unit(COUNTY, "county")
    elsewhere = await new_unit(OTHER_CITY, "city")

    def grant(unit_id: str) -> dict[str, str]:
        return {"unit_id": unit_id, "indicator_id": ind["id"], "region_code": REGION}

    unknown = (str(uuid.uuid4()), "not-a-unit-id")
    async with client_for(indicators, make_token("admin")) as c:
        for unit_id in unknown:
            r = await c.post(GRANTS, json=grant(unit_id))
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == "unit_id"
        # Province-wide: a unit of another city may report this city's indicator.
        r = await c.post(GRANTS, json=grant(elsewhere))
        assert r.status_code == 201, r.text
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        for unit_id in unknown:
            r = await c.post(GRANTS, json=grant(unit_id))
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_id"
        r = await c.post(GRANTS, json=grant(elsewhere))
        assert r.status_code == 403 and r.json()["code"] == "region_forbidden", r.text
        for unit_id in (in_city, in_county):
            r = await c.post(GRANTS, json=grant(unit_id))
            assert r.status_code == 201, r.text
            assert r.json()["unit_id"] == unit_id
    # A county's planner does not reach the city's indicator: 404 before the unit is asked.
    async with client_for(indicators, make_token("planner", region_code=COUNTY)) as c:
        r = await c.post(GRANTS, json=grant(in_county))
        assert r.status_code == 404 and r.json()["code"] == "indicator_not_found"
    async with client_for(indicators, make_token("planner", region_code=OTHER_CITY)) as c:
        r = await c.post(GRANTS, json=grant(elsewhere))
        assert r.status_code == 404  # the indicator is another city's
    for token in (make_token("leader"), make_token("unit", unit_id=in_city)):
        async with client_for(indicators, token) as c:
            r = await c.post(GRANTS, json=grant(in_city))
            assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
    async with client_for(indicators, make_token("admin")) as c:
        listed = (await c.get(GRANTS, params={"indicator_id": ind["id"]})).json()["items"]
    assert sorted(g["unit_id"] for g in listed) == sorted([elsewhere, in_city, in_county])
