"""Seed 002 (宜春市“十四五”卫生健康发展规划): its 24-row indicator table stored from the gold
parsed form with baselines, targets and natures, then — given measurements — every row shows
a status and its reasons through the HTTP API."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness import client_for

from dudao_indicators.indicators.loader import load_gold_file
from dudao_shared.parsed_plan import IndicatorRow, TextTarget
from indicators.helpers import REGION

GOLD = Path(__file__).resolve().parents[2] / "importer/gold/002_dfb8ccd5e9df308d.json"
NATURE = {"预期性": "expected", "约束性": "binding"}

# A made-up 2020 value for the rows whose table prints no baseline, and a 2023 value for all.
BASE_2020 = {
    "人均预期寿命": "77.5",
    "健康预期寿命": "68",
    "15岁以上人群吸烟率": "25",
    "全市儿童青少年总体近视率": "52.0",
    "个人卫生支出占卫生总费用的比重": "29",
    "健康服务业总规模年均增速": "7.0",
}
LATEST_2023 = {
    "人均预期寿命": "78.0",
    "健康预期寿命": "69.5",
    "孕产妇死亡率": "6.10",
    "婴儿死亡率": "2.40",
    "5岁以下儿童死亡率": "5.2",
    "重大慢性病过早死亡率": "16",
    "居民健康素养水平": "24.5",
    "15岁以上人群吸烟率": "24.5",
    "国家卫生城市覆盖率": "40",
    "每千人口医疗卫生机构床位数": "7.20",
    "每千人口执业（助理）医师数": "2.60",
    "每千人口医疗卫生机构中医执业（助理）医师数": "0.45",
    "每千人口注册护士数": "3.2",
    "每千人口药师（士）数": "0.47",
    "每万人口全科医生数": "2.3",
    "每千人口公共卫生人员数": "0.80",
    "每千人口0-3岁婴幼儿托位数": "2.9",
    "全市儿童青少年总体近视率": "50.8",
    "二级以上综合医院设立老年医学科比例": "52",
    "65岁及以上老年人城乡社区规范健康管理服务率": "70.1",
    "城乡老年友好型社区": "6",
    "综合性医疗机构设置老年人“绿色通道”比率": "100",
    "个人卫生支出占卫生总费用的比重": "28",
    "健康服务业总规模年均增速": "12",
}
EXPECTED_STATUS = {
    "孕产妇死亡率": "achieved",
    "重大慢性病过早死亡率": "regressing",
    "65岁及以上老年人城乡社区规范健康管理服务率": "regressing",
    "综合性医疗机构设置老年人“绿色通道”比率": "achieved",
    "每千人口公共卫生人员数": "off_track",
    "全市儿童青少年总体近视率": "off_track",  # binding: R = 0.8 has no middle band
    "个人卫生支出占卫生总费用的比重": "achieved",  # 28 is within 5 % of “27%左右”
    "健康服务业总规模年均增速": "off_track",  # 左右 8.5 overshot to 12
    "健康预期寿命": "moderately_off_track",  # 同比例提高: no number; growth 0.73 %/yr < 1.5 %
}


def gold_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(GOLD.read_text(encoding="utf-8"))["indicators"]
    return rows


async def _load(app: Any, plan: str) -> None:
    async with app.state.db.sessionmaker() as session:
        result = await load_gold_file(session, GOLD, plan_id=plan, region_code=REGION)
        await session.commit()
    assert (result.created, result.unchanged) == (24, 0)


async def test_loader_stores_the_24_rows(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan()
    await _load(indicators, plan)
    async with client_for(indicators, make_token("leader")) as c:
        r = await c.get("/api/v1/indicators", params={"plan_id": plan, "limit": 100})
        assert r.status_code == 200, r.text
        stored = {i["name"]: i for i in r.json()["items"]}
        assert len(stored) == 24
        for row in gold_rows():
            ind = stored[row["name"]]
            assert ind["domain"] == row["domain"]
            assert ind["seq"] == row["seq"]
            assert ind["measure_unit"] == row["unit"]
            assert ind["nature"] == NATURE[row["nature"]]
            r = await c.get("/api/v1/targets", params={"indicator_id": ind["id"]})
            (target,) = r.json()["items"]
            assert target["baseline_year"] == row["baseline"]["year"]
            base = row["baseline"]["value"]
            assert (target["baseline_value"] is None) == (base is None)
            if base is not None:
                assert Decimal(str(target["baseline_value"])) == Decimal(str(base))
            t = row["target"]
            assert (
                target["kind"],
                target["comparator"],
                target["target_year"],
                target["text"],
            ) == (t["kind"], t["comparator"], t["year"], t["text"])
            if t["value"] is not None:
                assert Decimal(str(target["value"])) == Decimal(str(t["value"]))
            assert ind["direction_source"] in {"comparator", "text"}
        child = stored["每千人口医疗卫生机构中医执业（助理）医师数"]
        assert child["parent_id"] == stored["每千人口执业（助理）医师数"]["id"]
        assert child["code"] == "11.1"
        assert stored["健康预期寿命"]["direction"] == "higher_is_better"  # “同比例提高”
        assert stored["个人卫生支出占卫生总费用的比重"]["direction"] == "band"
        assert stored["健康服务业总规模年均增速"]["allow_out_of_range"] is True
        r = await c.get(
            "/api/v1/targets", params={"indicator_id": stored["每千人口公共卫生人员数"]["id"]}
        )
        relative = r.json()["items"][0]
        assert (relative["rule_unit"], Decimal(str(relative["resolved_value"]))) == (
            "%",
            Decimal("1.014"),
        )


async def test_loader_is_idempotent_and_takes_in_text_targets(new_plan, indicators) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan()
    async with indicators.state.db.sessionmaker() as session:
        first = await load_gold_file(
            session, GOLD, plan_id=plan, region_code=REGION, include_targets=True
        )
        again = await load_gold_file(
            session, GOLD, plan_id=plan, region_code=REGION, include_targets=True
        )
        await session.commit()
    # Of the 47 in-text targets, 18 name an indicator not in the table; counts of things built
    # (30名学科带头人) and mentions of table rows (全市居民健康素养水平) make none.
    assert first.created == 24 + 18
    assert (again.created, again.unchanged) == (0, 42)
    codes = {i.code for i in first.items}
    assert "三.(五).专栏5.(四)#2" in codes and "三.(八).专栏8.(一)#1" in codes
    assert "三.(十一).1.(70)#1" not in codes
    assert "居民健康素养水平" in {i.name for i in first.items}
    assert "全市居民健康素养水平" not in {i.name for i in first.items}


async def test_every_row_shows_a_status_with_reasons(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan()
    await _load(indicators, plan)
    async with client_for(indicators, make_token("planner", region_code="360900")) as c:
        items = (await c.get("/api/v1/indicators", params={"plan_id": plan, "limit": 100})).json()[
            "items"
        ]
        for ind in items:
            name = ind["name"]
            if name in BASE_2020:
                r = await c.post(
                    "/api/v1/measurements",
                    json={
                        "indicator_id": ind["id"],
                        "region_code": REGION,
                        "period": "2020",
                        "value": BASE_2020[name],
                        "submit": True,
                        "source": "统计年鉴",
                    },
                )
                assert r.status_code == 201, r.text
            r = await c.post(
                "/api/v1/measurements",
                json={
                    "indicator_id": ind["id"],
                    "region_code": REGION,
                    "period": "2023",
                    "value": LATEST_2023[name],
                    "submit": True,
                    "source": "统计年鉴",
                    "note": "按年度统计口径",
                },
            )
            assert r.status_code == 201, (name, r.text)

    async with client_for(indicators, make_token("leader")) as c:
        r = await c.get(f"/api/v1/scorecards/{plan}")
        assert r.status_code == 200, r.text
        card = r.json()
        assert len(card["rows"]) == 24
        assert [row["seq"] for row in card["rows"]][:12] == [
            "1",
            "2",
            "3",
            "4",
            "5",
            "6",
            "7",
            "8",
            "9",
            "10",
            "11",
            None,
        ]
        for row in card["rows"]:
            assert row["status"] != "insufficient_data", row
            assert row["reasons"] and row["reasons"][-1].startswith("结论："), row
            assert row["method"] is not None
            a = (await c.get(f"/api/v1/assessments/{row['assessment_id']}")).json()
            assert a["status"] == row["status"]
            assert a["components"]["thresholds"] == {
                "on_track": "0.95",
                "moderate": "0.60",
                "regress": "0",
            }
            assert a["latest_period"] == "2023"
            if row["name"] in EXPECTED_STATUS:
                assert row["status"] == EXPECTED_STATUS[row["name"]], row
        by_name = {row["name"]: row for row in card["rows"]}
        assert by_name["全市儿童青少年总体近视率"]["method"] == "milestone"
        assert by_name["健康预期寿命"]["method"] == "no_target_cagr"
        assert by_name["每千人口0-3岁婴幼儿托位数"]["method"] == "cagr"
        assert by_name["城乡老年友好型社区"]["method"] == "linear"  # baseline 0
        assert by_name["健康服务业总规模年均增速"]["method"] == "band"
        assert sum(card["summary"]["counts"].values()) == 24


async def test_bulk_body_from_the_gold_file_posts_over_http(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    from dudao_indicators.indicators.loader import bulk_body_from_parsed

    doc = json.loads(GOLD.read_text(encoding="utf-8"))
    body = bulk_body_from_parsed(
        plan_id=await new_plan(),
        region_code=REGION,
        parsed_indicators=[IndicatorRow.model_validate(r) for r in doc["indicators"]],
        parsed_targets=[TextTarget.model_validate(t) for t in doc["targets"]],
        item_ids={"三.(八).专栏8.(一)": "item-8"},
        default_target_year=2025,
    )
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        r = await c.post("/api/v1/indicators/bulk", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["created"] == 42
        made = {i["code"]: i for i in r.json()["items"]}
        ind = (await c.get(f"/api/v1/indicators/{made['三.(八).专栏8.(一)#1']['id']}")).json()
        assert (ind["item_id"], ind["direction"], ind["nature"]) == ("item-8", "band", "expected")
