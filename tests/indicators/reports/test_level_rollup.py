"""Roll-up across levels: a city plan's indicator shows its counties' plans' values for a period
(counts added, rates weighted by their denominators, otherwise an unweighted mean flagged as
such), with the counties that reported and those that did not; checked against SQL written
independently over the same tables, and authorised by region."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from harness import client_for
from sqlalchemy import text

from dudao_indicators.plans import get_tasks_client
from dudao_shared.http import ServiceClient
from indicators.helpers import REGION, make_indicator, measure

PERIOD = "2024"
A, B, C, D = "360902", "360921", "360922", "360923"  # counties of 宜春市 (REGION)


async def _child_plan(app: Any, parent: str, region: str, token: str) -> str:
    client: ServiceClient = app.dependency_overrides[get_tasks_client]()
    plan = await client.post_json(
        "/api/v1/plans",
        {
            "title": f"规划 {region}",
            "level": "county",
            "region_code": region,
            "parent_plan_id": parent,
        },
        token=token,
    )
    return str(plan["id"])


RATE = {"name": "孕产妇系统管理率", "measure_unit": "%", "aggregation": "ratio", "factor": 100}
COUNT = {"name": "乡镇卫生院数", "measure_unit": "个", "aggregation": "sum"}
RATE_NO_DEN = {"name": "高血压患者规范管理率", "measure_unit": "%"}

# The roll-up of reported values, as SQL over the measurements of the child plans' indicators
# with the same name and unit, in regions strictly below the city.
SQL = """
SELECT
  array_agg(m.region_code ORDER BY m.region_code) AS reported,
  sum(m.value) AS total,
  sum(m.value * m.denominator_value) / NULLIF(sum(m.denominator_value), 0) AS weighted,
  avg(m.value) AS mean,
  count(m.denominator_value) = count(*) AS all_denominators
FROM measurement m JOIN indicator i ON i.id = m.indicator_id
WHERE i.plan_id = ANY(:plans) AND i.name = :name AND i.measure_unit = :unit
  AND m.period = :period AND m.status IN ('submitted', 'approved')
  AND m.region_code LIKE :prefix AND m.region_code <> :region
"""


async def _sql(app: Any, plans: list[str], spec: dict[str, Any]) -> Any:
    async with app.state.db.sessionmaker() as s:
        return (
            await s.execute(
                text(SQL),
                {
                    "plans": plans,
                    "name": spec["name"],
                    "unit": spec["measure_unit"],
                    "period": PERIOD,
                    "prefix": REGION[:4] + "%",
                    "region": REGION,
                },
            )
        ).one()


async def test_city_indicator_rolls_up_its_counties_plans(  # type: ignore[no-untyped-def]
    indicators, new_plan, make_token
) -> None:
    admin = make_token("admin")
    city = make_token("planner", region_code=REGION)
    parent = await new_plan(REGION)
    plans = {r: await _child_plan(indicators, parent, r, admin) for r in (A, B, C, D)}
    async with client_for(indicators, city) as c:
        top = {
            k: await make_indicator(c, parent, code=k, **spec)
            for k, spec in (("rate", RATE), ("count", COUNT), ("mean", RATE_NO_DEN))
        }
        kids: dict[tuple[str, str], dict[str, Any]] = {}
        for region in (A, B, C):
            for k, spec in (("rate", RATE), ("count", COUNT), ("mean", RATE_NO_DEN)):
                kids[(region, k)] = await make_indicator(
                    c, plans[region], code=f"{k}-1", region_code=region, **spec
                )
        # D's plan measures the rate in another unit: not the same quantity, not rolled up.
        await make_indicator(
            c, plans[D], code="r", region_code=D, **{**RATE, "measure_unit": "‰", "factor": 1000}
        )
        note = {"note": "年度统计"}
        await measure(c, kids[(A, "rate")]["id"], PERIOD, 90, region=A, numerator_value=900, denominator_value=1000, **note)  # fmt: skip
        await measure(c, kids[(B, "rate")]["id"], PERIOD, 80, region=B, numerator_value=400, denominator_value=500, **note)  # fmt: skip
        await measure(c, kids[(A, "count")]["id"], PERIOD, 12, region=A, **note)
        await measure(c, kids[(B, "count")]["id"], PERIOD, 8, region=B, **note)
        await measure(c, kids[(A, "mean")]["id"], PERIOD, 90, region=A, denominator_value=300, **note)  # fmt: skip
        await measure(c, kids[(B, "mean")]["id"], PERIOD, 71, region=B, **note)
        # Another period and a draft are not this period's reported values.
        await measure(c, kids[(C, "count")]["id"], "2023", 5, region=C, **note)
        await measure(c, kids[(C, "rate")]["id"], PERIOD, 50, region=C, numerator_value=5, denominator_value=10, submit=False)  # fmt: skip

        got = {}
        for k in top:
            r = await c.get(f"/api/v1/indicators/{top[k]['id']}/rollup", params={"period": PERIOD})
            assert r.status_code == 200, r.text
            got[k] = r.json()

    child_plans = list(plans.values())
    for k, spec in (("rate", RATE), ("count", COUNT), ("mean", RATE_NO_DEN)):
        row = await _sql(indicators, child_plans, spec)
        body = got[k]
        assert body["reported"] == row.reported == [A, B]
        by_region = {ch["region_code"]: ch for ch in body["children"]}
        assert by_region[C]["status"] == "not_reported"
        assert by_region[D]["status"] == "no_indicator"
        assert by_region["360924"]["status"] == "no_plan"
        assert set(body["missing"]) == set(by_region) - {A, B}
        assert body["period"] == PERIOD and body["value"] is not None
        if k == "count":
            assert body["method"] == "sum" and body["unweighted"] is False
            assert Decimal(str(body["value"])) == row.total
        elif k == "rate":
            assert row.all_denominators is True
            assert body["method"] == "weighted" and body["unweighted"] is False
            assert Decimal(str(body["value"])) == Decimal(row.weighted).quantize(Decimal("0.0001"))
        else:
            assert row.all_denominators is False
            assert body["method"] == "mean" and body["unweighted"] is True
            assert Decimal(str(body["value"])) == Decimal(row.mean).quantize(Decimal("0.0001"))

    # Nothing reported for a period: no value, every county listed as missing.
    async with client_for(indicators, city) as c:
        r = await c.get(f"/api/v1/indicators/{top['rate']['id']}/rollup", params={"period": "2020"})
        assert r.status_code == 200, r.text
        assert (r.json()["method"], r.json()["value"], r.json()["reported"]) == ("none", None, [])


async def test_rollup_is_authorised_by_region(indicators, new_plan, make_token) -> None:  # type: ignore[no-untyped-def]
    parent = await new_plan(REGION)
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        ind = await make_indicator(c, parent, code="1", **COUNT)
    path = f"/api/v1/indicators/{ind['id']}/rollup"
    for token, status in (
        (make_token("planner", region_code=A), 404),  # a county does not read its city's plan
        (make_token("leader", region_code="360100"), 404),  # another city
        (make_token("unit", unit_id="u-1"), 404),  # units see only granted indicators
        (make_token("leader", region_code="360000"), 200),  # the province reads down
    ):
        async with client_for(indicators, token) as c:
            r = await c.get(path, params={"period": PERIOD})
            assert r.status_code == status, (token, r.text)
    async with client_for(indicators, make_token("admin")) as c:
        r = await c.get(path, params={"period": "20x4"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"
