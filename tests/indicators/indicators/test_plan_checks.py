"""A plan named in a body is checked against the task service, which owns plans: it must
exist, its real region decides who may write, and the body must name that region."""

from __future__ import annotations

from typing import Any

from harness import client_for

from indicators.helpers import COUNTY, OTHER_CITY, REGION, indicator_body, missing_plan_id

BULK_ROW = {"name": "床位数", "nature": "预期性", "unit": "张", "direction": "higher_is_better"}


def _bulk(plan: str, region: str) -> dict[str, Any]:
    return {"plan_id": plan, "region_code": region, "indicators": [BULK_ROW]}


def _parsed(plan: str, region: str) -> dict[str, Any]:
    return {
        "plan_id": plan,
        "region_code": region,
        "indicators": [
            {
                "name": "床位数",
                "nature": "预期性",
                "unit": "张",
                "target": {"year": 2025, "comparator": ">=", "value": 7.5},
            }
        ],
        "targets": [],
    }


async def test_a_plan_the_task_service_does_not_know_is_422_naming_plan_id(
    indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        for path, body in (
            ("/api/v1/indicators", indicator_body(missing_plan_id())),
            ("/api/v1/indicators/bulk", _bulk(missing_plan_id(), REGION)),
            ("/api/v1/indicators/parsed", _parsed(missing_plan_id(), REGION)),
            ("/api/v1/indicators", indicator_body("not-a-plan-id")),
        ):
            r = await c.post(path, json=body)
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == "plan_id"
        listed = await c.get("/api/v1/indicators", params={"plan_id": body["plan_id"]})
        assert listed.json()["items"] == []


async def test_the_plans_real_region_decides_not_the_body(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan(REGION)
    # A planner of another city claiming its own region for a plan that is not its own: the
    # task service does not show it that plan, so for it the plan does not exist.
    async with client_for(indicators, make_token("planner", region_code=OTHER_CITY)) as c:
        for path, body in (
            ("/api/v1/indicators", indicator_body(plan, region_code=OTHER_CITY)),
            ("/api/v1/indicators/bulk", _bulk(plan, OTHER_CITY)),
            ("/api/v1/indicators/parsed", _parsed(plan, OTHER_CITY)),
            ("/api/v1/indicators/parsed", _parsed(plan, REGION)),
        ):
            r = await c.post(path, json=body)
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == "plan_id"
    # A county planner inside the city sees the plan but may not write it.
    async with client_for(indicators, make_token("planner", region_code=COUNTY)) as c:
        r = await c.post("/api/v1/indicators", json=indicator_body(plan))
        assert r.status_code in (403, 422), r.text
    async with client_for(indicators, make_token("admin")) as c:
        listed = await c.get("/api/v1/indicators", params={"plan_id": plan})
        assert listed.json()["items"] == []
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        r = await c.post("/api/v1/indicators", json=indicator_body(plan))
        assert r.status_code == 201, r.text
        assert r.json()["region_code"] == REGION


async def test_a_region_other_than_the_plans_is_422_naming_it(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan(REGION)
    async with client_for(indicators, make_token("admin")) as c:
        for path, body in (
            ("/api/v1/indicators", indicator_body(plan, region_code=OTHER_CITY)),
            ("/api/v1/indicators/bulk", _bulk(plan, OTHER_CITY)),
        ):
            r = await c.post(path, json=body)
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == "region_code"
        r = await c.post("/api/v1/indicators/bulk", json=_bulk(plan, REGION))
        assert r.status_code == 201, r.text


async def test_parsed_rows_for_a_known_plan_follow_its_real_region(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan(REGION)
    async with client_for(indicators, make_token("planner", region_code=OTHER_CITY)) as c:
        r = await c.post("/api/v1/indicators/parsed", json=_parsed(plan, OTHER_CITY))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "plan_id", r.text
    async with client_for(indicators, make_token("admin")) as c:
        r = await c.post("/api/v1/indicators/parsed", json=_parsed(plan, OTHER_CITY))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
