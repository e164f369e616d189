"""One indicator's whole flow on PostgreSQL: the assessment upsert, latest-per-region and bulk
recomputation through LATERAL, the scorecard and the .xlsx table."""

from __future__ import annotations

from harness import client_for

from indicators.helpers import COUNTY, IMR_TARGET, REGION, make_indicator, measure


async def test_flow_from_measurements_to_scorecard(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        plan = await new_plan()
        ind = await make_indicator(c, plan, target=IMR_TARGET)
        await measure(c, ind["id"], "2023", "5.2")
        await measure(c, ind["id"], "2020", 5.4, region=COUNTY)
        await measure(c, ind["id"], "2023", 5.6, region=COUNTY, note="人口结构变化")
        r = await c.patch(
            f"/api/v1/targets/{ind['target']['id']}",
            json={"text": "≤5.0‰"},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        card = (await c.get(f"/api/v1/scorecards/{plan}")).json()
        assert card["rows"][0]["status"] == "moderately_off_track"
        assert card["rows"][0]["ratio"] == 0.8185
        latest = (
            await c.get("/api/v1/measurements/latest", params={"indicator_id": ind["id"]})
        ).json()
        assert [(i["region_code"], i["value"]) for i in latest["items"]] == [
            (REGION, 5.2),
            (COUNTY, 5.6),
        ]
        a = (
            await c.get(
                "/api/v1/assessments", params={"indicator_id": ind["id"], "region_code": COUNTY}
            )
        ).json()
        assert a["items"][0]["status"] == "regressing"
        r = await c.get(f"/api/v1/indicator_tables/{plan}.xlsx")
        assert r.status_code == 200
