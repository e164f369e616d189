"""Data an evaluation can trust: a value's period lies within the plan's years and has begun;
numerator and denominator give back the value; four eyes on approval (and a corrected value
goes back for approval); a level's or region's target carries its own baseline; the indicator
table prints decimals as entered and names its region."""

from __future__ import annotations

import io
from typing import Any

import httpx
from harness import client_for
from openpyxl import load_workbook

from dudao_indicators.plans import get_tasks_client
from dudao_shared.http import ServiceClient
from indicators.helpers import COUNTY, IMR_TARGET, REGION, make_indicator, measure


async def _plan_with_years(indicators_app, token: str, start: int, end: int) -> str:  # type: ignore[no-untyped-def]
    client: ServiceClient = indicators_app.dependency_overrides[get_tasks_client]()
    plan = await client.post_json(
        "/api/v1/plans",
        {
            "title": "宜春市“十四五”卫生健康发展规划",
            "level": "city",
            "region_code": REGION,
            "period_start": start,
            "period_end": end,
        },
        token=token,
    )
    return str(plan["id"])


def _field(r: httpx.Response) -> str:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return str(r.json()["errors"][0]["field"])


async def test_period_outside_the_plan_years_or_in_the_future_is_422(
    indicators, indicators_app, make_token
) -> None:  # type: ignore[no-untyped-def]
    token = make_token("admin")
    plan = await _plan_with_years(indicators_app, token, 2021, 2025)
    async with client_for(indicators, token) as c:
        ind = await make_indicator(c, plan, target=IMR_TARGET)
        for period in ("2031", "1990", "2026", "2019-12"):
            r = await measure(c, ind["id"], period, 5.3, expect=422)
            assert r["errors"][0]["field"] == "period", r
            assert period in r["errors"][0]["message"]
        # The base year (2020) and the plan's own years are accepted.
        await measure(c, ind["id"], "2020", 5.4)
        await measure(c, ind["id"], "2025Q1", 5.0)


async def test_period_that_has_not_begun_is_422_even_inside_the_plan(
    indicators, indicators_app, make_token
) -> None:  # type: ignore[no-untyped-def]
    token = make_token("admin")
    plan = await _plan_with_years(indicators_app, token, 2026, 2035)
    async with client_for(indicators, token) as c:
        ind = await make_indicator(c, plan)
        r = await measure(c, ind["id"], "2031", 5.3, expect=422)
        assert r["errors"][0]["field"] == "period"
        assert "尚未开始" in r["errors"][0]["message"]


async def test_numerator_and_denominator_must_give_the_value(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(
            c,
            await new_plan(),
            name="居民健康素养水平",
            measure_unit="%",
            direction="higher_is_better",
        )
        body = {"indicator_id": ind["id"], "region_code": REGION, "period": "2023"}
        r = await c.post(
            "/api/v1/measurements",
            json={**body, "value": 90, "numerator_value": 100, "denominator_value": 1000},
        )
        assert _field(r) == "value"
        assert "10" in r.json()["errors"][0]["message"]
        # Rounded as written: 1/3 is 33.3 % to one decimal.
        ok = await measure(c, ind["id"], "2023", "33.3", numerator_value=1, denominator_value=3)
        # A correction that breaks the agreement is refused as well.
        r = await c.patch(
            f"/api/v1/measurements/{ok['id']}",
            json={"value": 40, "reason": "更正"},
            headers={"If-Match": f'"{ok["version"]}"'},
        )
        assert _field(r) == "value"
        # The indicator's own factor counts (per 10 000).
        per_10k = await make_indicator(
            c, await new_plan(), name="每万人口全科医生数", measure_unit="人", factor=10000
        )
        await measure(
            c, per_10k["id"], "2023", "3.85", numerator_value=385, denominator_value=1000000
        )
        r = await c.post(
            "/api/v1/measurements",
            json={
                **body,
                "indicator_id": per_10k["id"],
                "value": 38.5,
                "numerator_value": 385,
                "denominator_value": 1000000,
            },
        )
        assert _field(r) == "value"


async def _approve(c: httpx.AsyncClient, m: dict[str, Any]) -> httpx.Response:
    return await c.post(
        f"/api/v1/measurements/{m['id']}/approve", headers={"If-Match": f'"{m["version"]}"'}
    )


async def test_four_eyes_and_a_corrected_value_goes_back_for_approval(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    entering, second, third = (make_token("planner", region_code=REGION) for _ in range(3))
    async with (
        client_for(indicators, make_token("admin")) as admin,
        client_for(indicators, entering) as a,
        client_for(indicators, second) as b,
        client_for(indicators, third) as c3,
    ):
        ind = await make_indicator(admin, await new_plan(), target=IMR_TARGET)
        m = await measure(a, ind["id"], "2023", 5.2)
        r = await _approve(a, m)
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "same_person_approval"
        r = await _approve(b, m)
        assert r.status_code == 200, r.text
        approved = r.json()
        assert approved["status"] == "approved"
        # B corrects the approved value: it is a new value, waiting for approval again ...
        r = await b.patch(
            f"/api/v1/measurements/{m['id']}",
            json={"value": 5.1, "reason": "核对原始报表后更正"},
            headers={"If-Match": f'"{approved["version"]}"'},
        )
        assert r.status_code == 200, r.text
        corrected = r.json()
        assert corrected["status"] == "submitted"
        assert corrected["approved_by"] is None
        # ... and neither the corrector nor ... may approve it; a third person may.
        r = await _approve(b, corrected)
        assert r.status_code == 403
        assert r.json()["code"] == "same_person_approval"
        r = await _approve(c3, corrected)
        assert r.status_code == 200, r.text


async def test_level_target_uses_its_own_baseline(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan(), target=IMR_TARGET)
        r = await c.post(
            "/api/v1/targets",
            json={
                "indicator_id": ind["id"],
                "level": "county",
                "baseline_year": 2020,
                "baseline_value": 6.0,
                "target_year": 2025,
                "kind": "absolute",
                "comparator": "<=",
                "value": 5.5,
            },
        )
        assert r.status_code == 201, r.text
        # The county met its own target (≤5.5) from its own baseline (6.0), with no 2020 value.
        await measure(c, ind["id"], "2025", 5.4, region=COUNTY)
        card = (
            await c.get(f"/api/v1/scorecards/{ind['plan_id']}", params={"region_code": COUNTY})
        ).json()
        row = card["rows"][0]
        assert row["status"] == "achieved", row
        assert row["baseline_value"] == 6


async def test_indicator_table_prints_decimals_as_entered_and_names_the_region(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        plan = await new_plan()
        await make_indicator(
            c,
            plan,
            name="孕产妇系统管理率",
            measure_unit="%",
            direction="higher_is_better",
            # As a conversion on the way may hand it over: trailing zeros nobody wrote.
            target={
                "baseline_year": 2020,
                "baseline_value": 90,
                "target_year": 2025,
                "kind": "absolute",
                "comparator": ">=",
                "value": "95.0000000000",
            },
        )
        await make_indicator(
            c,
            plan,
            name="城乡居民健康素养水平提升",
            measure_unit="%",
            direction="higher_is_better",
            target={
                "baseline_year": 2020,
                "baseline_value": "20.5",
                "target_year": 2025,
                "kind": "annual_change",
                "comparator": ">=",
                "value": "0.5",
                "rule_unit": "百分点",
            },
        )
        r = await c.get(f"/api/v1/indicator_tables/{plan}.xlsx")
        assert r.status_code == 200, r.text
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws is not None
        cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
        assert "宜春市" in str(ws.cell(1, 1).value)
        assert REGION not in str(ws.cell(1, 1).value)
        assert "≥95" in cells
        assert "年均≥0.5个百分点" in cells
        assert not any("0000" in v for v in cells), cells
