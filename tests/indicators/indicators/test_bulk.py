"""POST /api/v1/indicators/bulk: the importer's route — parsed-plan forms, derived direction,
all-or-nothing, idempotent per (plan_id, code), 409 on a changed duplicate."""

from __future__ import annotations

from typing import Any

from harness import client_for

from indicators.helpers import COUNTY, REGION


def rows() -> list[dict[str, Any]]:
    return [
        {
            "domain": "健康资源",
            "seq": "11",
            "name": "每千人口执业（助理）医师数",
            "unit": "人",
            "nature": "预期性",
            "baseline": {"year": 2020, "value": 2.27},
            "target": {
                "year": 2025,
                "kind": "absolute",
                "comparator": ">=",
                "value": 3.0,
                "implied": True,
                "text": "3.0",
            },
        },
        {
            "domain": "健康资源",
            "seq": None,
            "parent": "每千人口执业（助理）医师数",
            "name": "每千人口中医执业（助理）医师数",
            "unit": "人",
            "nature": "预期性",
            "baseline": {"year": 2020, "value": 0.38},
            "target": {"year": 2025, "kind": "absolute", "comparator": ">=", "value": 0.5},
        },
        {
            "domain": "健康资源",
            "seq": "16",
            "name": "每千人口托位数",
            "unit": "个",
            "nature": "预期性",
            "baseline": {"year": 2022, "value": 2.9},
            "target": {"year": 2025, "comparator": ">=", "value": 4.5, "text": "4.5个"},
            "milestones": [{"year": 2023, "value": 3.5}, {"year": 2024, "value": 4.0}],
        },
        {
            "domain": "健康服务",
            "seq": "17",
            "name": "儿童青少年总体近视率",
            "unit": "%",
            "nature": "约束性",
            "baseline": {"year": 2020, "value": None},
            "target": {
                "year": 2025,
                "kind": "annual_change",
                "comparator": "<=",
                "value": -0.5,
                "unit": "百分点",
                "text": "力争每年降低0.5个百分点以上",
            },
        },
        {
            "domain": "健康水平",
            "seq": "2",
            "name": "健康预期寿命",
            "unit": "岁",
            "nature": "预期性",
            "target": {"year": 2025, "kind": "qualitative", "text": "同比例提高"},
        },
        {
            "name": "个人卫生支出占卫生总费用的比重",
            "unit": "%",
            "nature": "约束性",
            "direction": "lower_is_better",
            "target": {"year": 2025, "comparator": "~", "value": 27, "text": "27%左右"},
        },
        {
            "name": "病例组合指数（CMI）",
            "nature": "expected",
            "target": {"year": 2025, "comparator": "~", "value": 1.1},
            "level_targets": [{"level": "province", "year": 2025, "comparator": "~", "value": 1.3}],
        },
        {
            "code": "三.(四).1.(30)#1",
            "name": "三级妇幼保健院",
            "unit": "家",
            "nature": "expected",
            "item_id": "item-30",
            "target": {"year": 2025, "comparator": "between", "value": 1, "value_max": 2},
        },
    ]


async def test_bulk_creates_maps_and_derives(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan()
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        r = await c.post(
            "/api/v1/indicators/bulk",
            json={"plan_id": plan, "region_code": REGION, "indicators": rows()},
        )
        assert r.status_code == 201, r.text
        out = r.json()
        assert (out["created"], out["unchanged"]) == (8, 0)
        items = {i["name"]: i for i in out["items"]}
        assert items["每千人口执业（助理）医师数"]["direction_source"] == "comparator"
        assert items["每千人口执业（助理）医师数"]["direction"] == "higher_is_better"
        assert items["儿童青少年总体近视率"]["direction"] == "lower_is_better"
        assert items["健康预期寿命"]["direction_source"] == "text"
        assert items["个人卫生支出占卫生总费用的比重"]["direction_source"] == "explicit"
        assert items["病例组合指数（CMI）"]["direction"] == "band"
        assert items["三级妇幼保健院"]["code"] == "三.(四).1.(30)#1"
        child = items["每千人口中医执业（助理）医师数"]
        assert child["code"] == "11.1"
        ind = (await c.get(f"/api/v1/indicators/{child['id']}")).json()
        assert ind["parent_id"] == items["每千人口执业（助理）医师数"]["id"]
        assert ind["nature"] == "expected"
        t = (
            await c.get("/api/v1/targets", params={"indicator_id": items["每千人口托位数"]["id"]})
        ).json()["items"][0]
        assert [(m["year"], m["value"]) for m in t["milestones"]] == [(2023, 3.5), (2024, 4)]
        cmi = (
            await c.get(
                "/api/v1/targets", params={"indicator_id": items["病例组合指数（CMI）"]["id"]}
            )
        ).json()
        assert sorted(t["scope"] for t in cmi["items"]) == ["all", "level:province"]

        # The same body again changes nothing.
        r = await c.post(
            "/api/v1/indicators/bulk",
            json={"plan_id": plan, "region_code": REGION, "indicators": rows()},
        )
        assert r.status_code == 201 and (r.json()["created"], r.json()["unchanged"]) == (0, 8)

        # A changed duplicate refuses the whole batch, including its new rows.
        changed = rows()
        changed[0]["target"]["value"] = 3.2
        changed.append(
            {
                "seq": "99",
                "name": "新指标",
                "nature": "预期性",
                "target": {"year": 2025, "comparator": ">=", "value": 1},
            }
        )
        r = await c.post(
            "/api/v1/indicators/bulk",
            json={"plan_id": plan, "region_code": REGION, "indicators": changed},
        )
        assert r.status_code == 409 and r.json()["code"] == "indicator_bulk_conflict"
        assert "11" in r.json()["detail"]
        listed = (await c.get("/api/v1/indicators", params={"plan_id": plan, "limit": 100})).json()
        assert len(listed["items"]) == 8


async def test_bulk_is_all_or_nothing_and_names_the_field(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan()
    async with client_for(indicators, make_token("admin")) as c:
        bad = rows()
        bad.insert(
            3,
            {
                "name": "无方向",
                "nature": "预期性",
                "target": {"year": 2025, "kind": "qualitative", "text": "稳步推进"},
            },
        )
        r = await c.post(
            "/api/v1/indicators/bulk",
            json={"plan_id": plan, "region_code": REGION, "indicators": bad},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "indicators.3.direction"
        bad = rows()
        bad[2]["milestones"] = [{"year": 2030, "value": 5}]
        r = await c.post(
            "/api/v1/indicators/bulk",
            json={"plan_id": plan, "region_code": REGION, "indicators": bad},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "indicators.2.target.milestones"
        bad = rows()
        bad[1]["parent"] = "不存在的指标"
        r = await c.post(
            "/api/v1/indicators/bulk",
            json={"plan_id": plan, "region_code": REGION, "indicators": bad},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "indicators.1.parent"
        bad = rows()
        bad[0]["nature"] = "重要性"
        r = await c.post(
            "/api/v1/indicators/bulk",
            json={"plan_id": plan, "region_code": REGION, "indicators": bad},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "indicators.0.nature"
        listed = (await c.get("/api/v1/indicators", params={"plan_id": plan})).json()
        assert listed["items"] == []


async def test_level_target_applies_to_its_level(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan("360000", "province")
    async with client_for(indicators, make_token("admin")) as c:
        body = {
            "plan_id": plan,
            "region_code": "360000",
            "indicators": [
                {
                    "name": "病例组合指数（CMI）",
                    "nature": "expected",
                    "baseline": {"year": 2020, "value": 0.9},
                    "target": {"year": 2025, "comparator": ">=", "value": 1.1},
                    "level_targets": [
                        {"level": "province", "year": 2025, "comparator": ">=", "value": 1.3}
                    ],
                }
            ],
        }
        ind = (await c.post("/api/v1/indicators/bulk", json=body)).json()["items"][0]
        for region, period, value in (
            ("360000", "2020", 1.0),
            ("360000", "2023", 1.2),
            (COUNTY, "2020", 0.9),
            (COUNTY, "2023", 1.1),
        ):
            r = await c.post(
                "/api/v1/measurements",
                json={
                    "indicator_id": ind["id"],
                    "region_code": region,
                    "period": period,
                    "value": value,
                    "submit": True,
                    "note": "测试",
                },
            )
            assert r.status_code == 201, r.text
        prov = (
            await c.get(
                "/api/v1/series", params={"indicator_id": ind["id"], "region_code": "360000"}
            )
        ).json()
        county = (
            await c.get("/api/v1/series", params={"indicator_id": ind["id"], "region_code": COUNTY})
        ).json()
        assert prov["target"]["scope"] == "level:province"
        assert prov["assessment"]["status"] != "achieved"  # 1.2 < 1.3
        assert county["target"]["scope"] == "all"
        assert county["assessment"]["status"] == "achieved"  # 1.1 ≥ 1.1
        assert county["baseline"]["source"] == "measured_base_year"
