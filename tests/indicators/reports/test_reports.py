"""Read models: scorecard, roll-ups by domain/region/nature, region totals, chart series,
latest value per region, and the .xlsx indicator table."""

from __future__ import annotations

import io
from typing import Any

import httpx
from harness import client_for
from openpyxl import load_workbook

from indicators.helpers import (
    COUNTY,
    IMR_TARGET,
    REGION,
    make_indicator,
    measure,
    missing_plan_id,
)

COUNTIES = ("360902", "360921", "360922")


async def _plan(c: httpx.AsyncClient, plan: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    imr = await make_indicator(c, plan, code="4", seq="4", position=1, target=IMR_TARGET)
    beds = await make_indicator(
        c,
        plan,
        code="10",
        seq="10",
        position=2,
        name="每千人口医疗卫生机构床位数",
        domain="健康资源",
        measure_unit="张",
        direction="higher_is_better",
        nature="binding",
        target={
            "baseline_year": 2020,
            "baseline_value": 6.98,
            "target_year": 2025,
            "kind": "absolute",
            "comparator": ">=",
            "value": 7.5,
            "milestones": [{"year": 2023, "value": 7.2}],
        },
    )
    return plan, imr, beds


async def test_scorecard_rollups_and_export(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        plan, imr, beds = await _plan(c, await new_plan())
        await measure(c, imr["id"], "2023", 5.2)
        await measure(c, beds["id"], "2023", 7.0, note="床位建设滞后")
        for county, value in zip(COUNTIES, (5.0, 5.6, 5.3), strict=True):
            await measure(c, imr["id"], "2020", 5.4, region=county)
            await measure(c, imr["id"], "2023", value, region=county, note="说明")

        card = (await c.get(f"/api/v1/scorecards/{plan}")).json()
        assert [r["code"] for r in card["rows"]] == ["4", "10"]
        assert [r["status"] for r in card["rows"]] == ["moderately_off_track", "off_track"]
        assert card["rows"][1]["method"] == "milestone"
        assert card["summary"]["counts"]["off_track"] == 1

        by_domain = (await c.get(f"/api/v1/rollups/plans/{plan}")).json()
        assert [g["key"] for g in by_domain["groups"]] == ["健康水平", "健康资源"]
        assert by_domain["total"]["total"] == 2
        by_region = (await c.get(f"/api/v1/rollups/plans/{plan}", params={"by": "region"})).json()
        groups = {g["key"]: g for g in by_region["groups"]}
        assert set(groups) == {REGION, *COUNTIES}
        assert groups["360902"]["status"] == "achieved"
        assert groups["360921"]["status"] == "regressing"
        assert groups[REGION]["counts"]["moderately_off_track"] == 1
        by_nature = (await c.get(f"/api/v1/rollups/plans/{plan}", params={"by": "nature"})).json()
        assert {g["key"] for g in by_nature["groups"]} == {"expected", "binding"}

        latest = (
            await c.get(
                "/api/v1/measurements/latest",
                params={"indicator_id": imr["id"], "region_code": REGION},
            )
        ).json()
        assert [(i["region_code"], i["period"], i["value"]) for i in latest["items"]] == [
            (REGION, "2023", 5.2),
            ("360902", "2023", 5),
            ("360921", "2023", 5.6),
            ("360922", "2023", 5.3),
        ]
        one = (
            await c.get(
                "/api/v1/measurements/latest",
                params={"indicator_id": imr["id"], "region_code": "360921"},
            )
        ).json()
        assert [i["region_code"] for i in one["items"]] == ["360921"]

        r = await c.get(f"/api/v1/indicator_tables/{plan}.xlsx")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        ws = load_workbook(io.BytesIO(r.content)).active
        assert [c.value for c in ws[2]][:7] == [
            "领域",
            "序号",
            "指标",
            "计量单位",
            "基期值",
            "目标值",
            "性质",
        ]
        assert [c.value for c in ws[3]][:10] == [
            "健康水平",
            "4",
            "婴儿死亡率",
            "‰",
            5.4,
            "≤5.0",
            "预期性",
            5.2,
            "2023",
            "进度稍滞后",
        ]
        assert ws.cell(4, 7).value == "约束性" and ws.cell(4, 10).value == "进度滞后"
        assert (
            await c.get(f"/api/v1/indicator_tables/{missing_plan_id()}.xlsx")
        ).status_code == 404


async def test_series_has_points_milestones_and_trajectory(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        _, _, beds = await _plan(c, await new_plan())
        await measure(c, beds["id"], "2022", 7.1, note="建设周期")
        await measure(c, beds["id"], "2023Q1", 7.15, note="建设周期")
        s = (await c.get("/api/v1/series", params={"indicator_id": beds["id"]})).json()
        assert [(p["period"], p["time"]) for p in s["points"]] == [
            ("2022", 2022.0),
            ("2023Q1", 2022.25),
        ]
        assert s["milestones"] == [{"year": 2023, "value": 7.2}]
        traj = {p["year"]: p["value"] for p in s["trajectory"]}
        assert traj[2020] == 6.98 and traj[2023] == 7.2 and traj[2025] == 7.5
        assert s["baseline"] == {"year": 2020.0, "value": 6.98, "source": "target"}
        assert s["assessment"]["latest_period"] == "2023Q1"


async def test_region_totals_sum_and_ratio(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        plan = await new_plan()
        count = await make_indicator(
            c,
            plan,
            name="城乡老年友好型社区",
            measure_unit="个",
            direction="higher_is_better",
            aggregation="sum",
        )
        rate = await make_indicator(
            c,
            plan,
            name="孕产妇系统管理率",
            measure_unit="%",
            direction="higher_is_better",
            aggregation="ratio",
            factor=100,
        )
        for county, v, num, den in (
            ("360902", 3, 90, 100),
            ("360921", 2, 45, 50),
            ("360922", 4, 80, 100),
        ):
            await measure(c, count["id"], "2023", v, region=county)
            await measure(
                c,
                rate["id"],
                "2023",
                num * 100 / den,
                region=county,
                numerator_value=num,
                denominator_value=den,
            )
        r = (
            await c.get(f"/api/v1/rollups/regions/{count['id']}", params={"period": "2023"})
        ).json()
        assert (r["value"], r["method"], len(r["children"])) == (9, "sum", 3)
        r = (await c.get(f"/api/v1/rollups/regions/{rate['id']}", params={"period": "2023"})).json()
        assert (r["numerator"], r["denominator"], r["value"]) == (215, 250, 86)
        province = (
            await c.get(
                f"/api/v1/rollups/regions/{count['id']}",
                params={"period": "2023", "region_code": "360000"},
            )
        ).json()
        assert province["value"] == 9
        assert province["children"] == [
            {
                "region_code": REGION,
                "value": 9,
                "numerator": None,
                "denominator": None,
                "source": "computed",
            }
        ]
        plain = await make_indicator(c, plan)
        r = await c.get(f"/api/v1/rollups/regions/{plain['id']}", params={"period": "2023"})
        assert r.status_code == 422


async def test_pagination(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        plan = await new_plan()
        ind = await make_indicator(c, plan, measure_unit="张", direction="higher_is_better")
        for p in ("2021", "2022", "2023", "2024", "2024-06"):
            await measure(c, ind["id"], p, 1, note="持平")
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"indicator_id": ind["id"], "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await c.get("/api/v1/measurements", params=params)).json()
            seen += [m["period"] for m in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == ["2024", "2024-06", "2023", "2022", "2021"]
        for i in range(3):
            await make_indicator(c, plan, code=f"c{i}", position=i)
        page = (
            await c.get(
                "/api/v1/indicators", params={"plan_id": plan, "limit": 2, "order": "-position"}
            )
        ).json()
        nxt = (
            await c.get(
                "/api/v1/indicators",
                params={
                    "plan_id": plan,
                    "limit": 10,
                    "order": "-position",
                    "cursor": page["next_cursor"],
                },
            )
        ).json()
        assert len(page["items"]) + len(nxt["items"]) == 4


async def test_scorecard_row_carries_the_most_specific_target(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    """Per region: its own target, else its level's, else the plan's; one row per indicator
    whatever number of targets it has, and an indicator without a target keeps its row."""
    async with client_for(indicators, make_token("admin")) as c:
        plan = await new_plan()
        layered = await make_indicator(
            c, plan, code="1", position=1, target={**IMR_TARGET, "text": "全省≤5.0"}
        )
        for extra in (
            {"level": "county", "text": "县级≤5.5"},
            {"region_code": COUNTY, "text": "袁州≤4.8"},
        ):
            r = await c.post(
                "/api/v1/targets", json={"indicator_id": layered["id"], **IMR_TARGET, **extra}
            )
            assert r.status_code == 201, r.text
        await make_indicator(c, plan, code="2", position=2)

        async def texts(region: str) -> list[str | None]:
            r = await c.get(f"/api/v1/scorecards/{plan}", params={"region_code": region})
            assert r.status_code == 200, r.text
            return [row["target_text"] for row in r.json()["rows"]]

        assert await texts(COUNTY) == ["袁州≤4.8", None]
        assert await texts("360921") == ["县级≤5.5", None]
        assert await texts(REGION) == ["全省≤5.0", None]


async def test_indicator_table_writes_stored_text_safely(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: an indicator name with \\u0007 made the table a 500; text that looks like a
    formula must reach the sheet as text, never as a formula."""
    plan = await new_plan()
    async with client_for(indicators, make_token("admin")) as c:
        await make_indicator(c, plan, code="bell", name="床位数\u0007（张）")
        await make_indicator(
            c, plan, code="link", name='=HYPERLINK("http://evil.example/","点击")', position=2
        )
        await make_indicator(c, plan, code="at", name="@SUM(1+1)", position=3)
        r = await c.get(f"/api/v1/indicator_tables/{plan}.xlsx")
    assert r.status_code == 200, r.text
    assert b"<f>" not in _sheet_xml(r.content)
    ws = load_workbook(io.BytesIO(r.content)).active
    names = {ws.cell(row, 3).value: ws.cell(row, 3) for row in range(3, ws.max_row + 1)}
    assert "床位数（张）" in names
    for text in ('=HYPERLINK("http://evil.example/","点击")', "@SUM(1+1)"):
        assert names[text].data_type == "s" and names[text].quotePrefix


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
