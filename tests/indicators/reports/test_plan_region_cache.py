"""A plan's region is kept for a few seconds for reads: a move of the plan to another region
decides the reads of its scorecard once the entry expires, and never later than that."""

from __future__ import annotations

import asyncio

import pytest
from harness import client_for

from dudao_indicators.plans import RECENT_PLAN_REGIONS
from indicators.helpers import REGION, make_indicator

ELSEWHERE = "360100"  # 南昌市: another city than REGION (宜春市)


async def test_a_moved_plan_is_read_by_its_new_region_once_the_entry_expires(  # type: ignore[no-untyped-def]
    new_plan, indicators, tasks_app, make_token, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RECENT_PLAN_REGIONS, "ttl", 2.0)
    plan = await new_plan()
    admin = make_token("admin")
    async with client_for(indicators, admin) as c:
        await make_indicator(c, plan)
    here, there = (
        make_token("leader", region_code=REGION),
        make_token("leader", region_code=ELSEWHERE),
    )
    async with client_for(indicators, here) as c:
        assert (await c.get(f"/api/v1/scorecards/{plan}")).status_code == 200
    async with client_for(indicators, there) as c:
        assert (await c.get(f"/api/v1/scorecards/{plan}")).status_code == 404

    async with client_for(tasks_app, admin) as t:
        tag = (await t.get(f"/api/v1/plans/{plan}")).headers["ETag"]
        r = await t.patch(
            f"/api/v1/plans/{plan}", json={"region_code": ELSEWHERE}, headers={"If-Match": tag}
        )
        assert r.status_code == 200, r.text

    # Within the entry's seconds the read is decided by the region the plan had …
    async with client_for(indicators, here) as c:
        assert (await c.get(f"/api/v1/scorecards/{plan}")).status_code == 200
    await asyncio.sleep(2.1)
    # … and after them by the task service's answer.
    async with client_for(indicators, here) as c:
        assert (await c.get(f"/api/v1/scorecards/{plan}")).status_code == 404
    async with client_for(indicators, there) as c:
        assert (await c.get(f"/api/v1/scorecards/{plan}")).status_code == 200


async def test_a_plan_the_caller_may_not_see_is_asked_about_each_time(  # type: ignore[no-untyped-def]
    new_plan, indicators, make_token
) -> None:
    plan = await new_plan()
    async with client_for(indicators, make_token("admin")) as c:
        await make_indicator(c, plan)
    RECENT_PLAN_REGIONS.clear()
    async with client_for(indicators, make_token("leader", region_code=ELSEWHERE)) as c:
        assert (await c.get(f"/api/v1/scorecards/{plan}")).status_code == 404
    assert RECENT_PLAN_REGIONS.get(plan) is None
    async with client_for(indicators, make_token("leader", region_code=REGION)) as c:
        assert (await c.get(f"/api/v1/scorecards/{plan}")).status_code == 200
    assert RECENT_PLAN_REGIONS.get(plan) == REGION
