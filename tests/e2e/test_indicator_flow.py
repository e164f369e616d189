"""Issue 5 through the gateway: seed 002's indicator table, measured and explained.

The 24 rows of the 宜春市“十四五”卫生健康发展规划 indicator table (gold seed 002) go in with
one bulk POST, each gets a 2023 value for 宜春市 (360900), and every indicator then carries an
assessment whose status is explained by its components — all through the gateway, with the
indicator service running as a real uvicorn process on PostgreSQL.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from e2e.helpers import Actor, client, create_unit, ok, staff, uniq, unit_actor

pytestmark = pytest.mark.e2e

REGION = "360900"  # 宜春市
COUNTY = "360902"  # 袁州区
GOLD = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "gold"
SEED = GOLD / "002_dfb8ccd5e9df308d.json"
STATUSES = {"achieved", "on_track", "moderately_off_track", "off_track", "regressing",
            "not_achieved", "insufficient_data"}
NATURES = {"预期性": "expected", "约束性": "binding", "倡导性": "advocated"}

# name → (2020 value when the table gives none, 2023 value). Plausible 宜春 figures.
VALUES: dict[str, tuple[float | None, float]] = {
    "人均预期寿命": (77.5, 78.2),
    "健康预期寿命": (68.0, 69.1),
    "孕产妇死亡率": (None, 6.1),
    "婴儿死亡率": (None, 2.4),
    "5岁以下儿童死亡率": (None, 4.9),
    "重大慢性病过早死亡率": (None, 11.0),
    "居民健康素养水平": (None, 24.6),
    "15岁以上人群吸烟率": (25.0, 24.5),
    "国家卫生城市覆盖率": (None, 40),
    "每千人口医疗卫生机构床位数": (None, 7.3),
    "每千人口执业（助理）医师数": (None, 2.8),
    "每千人口医疗卫生机构中医执业（助理）医师数": (None, 0.45),
    "每千人口注册护士数": (None, 3.4),
    "每千人口药师（士）数": (None, 0.40),
    "每万人口全科医生数": (None, 2.5),
    "每千人口公共卫生人员数": (None, 0.9),
    "每千人口0-3岁婴幼儿托位数": (None, 3.0),
    "全市儿童青少年总体近视率": (52.0, 50.6),
    "二级以上综合医院设立老年医学科比例": (None, 55),
    "65岁及以上老年人城乡社区规范健康管理服务率": (None, 71.5),
    "城乡老年友好型社区": (None, 9),
    "综合性医疗机构设置老年人“绿色通道”比率": (None, 98),
    "个人卫生支出占卫生总费用的比重": (28.5, 27.4),
    "健康服务业总规模年均增速": (8.0, 8.6),
}


def _seed() -> dict[str, Any]:
    if not SEED.exists():
        pytest.skip(f"gold seed 002 not found at {SEED}")
    return json.loads(SEED.read_text(encoding="utf-8"))


def _num(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


@pytest.fixture(scope="module")
def people(running_platform) -> Iterator[dict[str, Actor]]:  # type: ignore[no-untyped-def]
    admin_token = running_platform.login()
    admin_http = client(running_platform.gateway, admin_token)
    out = {
        "admin": Actor("admin", "admin", admin_token, admin_http),
        "planner": staff(running_platform, admin_http, "planner", region_code=REGION),
        "planner_other": staff(running_platform, admin_http, "planner", region_code="360100"),
        "leader": staff(running_platform, admin_http, "leader"),
    }
    yield out
    for actor in out.values():
        actor.close()


@pytest.fixture(scope="module")
def seeded(running_platform, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Seed 002's table stored through the gateway, for a plan made in the task service."""
    doc = _seed()
    rows = doc["indicators"]
    assert len(rows) == 24
    planner = people["planner"].http
    period = doc["document"]["period"]
    plan = ok(planner.post("/api/v1/plans", json={
        "title": uniq(doc["document"]["title"] + "-"), "level": "city", "region_code": REGION,
        "issuer": doc["document"]["issuer"], "period_start": period["start"],
        "period_end": period["end"]}), 201)
    body = {"plan_id": plan["id"], "region_code": REGION, "indicators": rows}
    # Only planners of the region (and admins) store indicators.
    assert people["planner_other"].http.post("/api/v1/indicators/bulk", json=body).status_code == 403
    assert people["leader"].http.post("/api/v1/indicators/bulk", json=body).status_code == 403
    result = ok(planner.post("/api/v1/indicators/bulk", json=body), 201)
    return {"plan": plan, "rows": rows, "bulk": result}


def test_seed_002_table_stored_with_baselines_targets_and_natures(running_platform, people, seeded) -> None:  # type: ignore[no-untyped-def]
    planner = people["planner"].http
    rows, result, pid = seeded["rows"], seeded["bulk"], seeded["plan"]["id"]
    assert (result["created"], result["unchanged"], len(result["items"])) == (24, 0, 24)
    by_name = {i["name"]: i for i in result["items"]}
    assert set(by_name) == {r["name"] for r in rows}
    for r in rows:
        assert by_name[r["name"]]["nature"] == NATURES[r["nature"]], r["name"]
    # Directions: from the comparator, from a relative/annual rule's sign, from the words.
    assert (by_name["孕产妇死亡率"]["direction"], by_name["孕产妇死亡率"]["direction_source"]) == \
        ("lower_is_better", "comparator")
    assert by_name["每千人口执业（助理）医师数"]["direction"] == "higher_is_better"
    assert (by_name["健康预期寿命"]["direction"], by_name["健康预期寿命"]["direction_source"]) == \
        ("higher_is_better", "text")
    assert by_name["个人卫生支出占卫生总费用的比重"]["direction"] == "band"
    assert by_name["全市儿童青少年总体近视率"]["direction"] == "lower_is_better"
    # The 其中 row hangs under its parent.
    assert by_name["每千人口医疗卫生机构中医执业（助理）医师数"]["code"] == "11.1"

    # The same table again changes nothing.
    again = ok(planner.post("/api/v1/indicators/bulk", json={
        "plan_id": pid, "region_code": REGION, "indicators": rows}), 201)
    assert (again["created"], again["unchanged"]) == (0, 24)

    listed = ok(planner.get("/api/v1/indicators", params={"plan_id": pid, "limit": 100}), 200)
    assert [i["name"] for i in listed["items"]] == [r["name"] for r in rows]  # table order
    parent = next(i for i in listed["items"] if i["code"] == "11")
    child = next(i for i in listed["items"] if i["code"] == "11.1")
    assert child["parent_id"] == parent["id"]
    assert {i["nature"] for i in listed["items"]} == {"expected", "binding"}
    # Baselines and targets, row by row.
    for r, ind in zip(rows, listed["items"], strict=True):
        targets = ok(planner.get("/api/v1/targets", params={"indicator_id": ind["id"]}), 200)["items"]
        assert len(targets) == 1, r["name"]
        t, want = targets[0], r["target"]
        assert (t["scope"], t["target_year"], t["kind"]) == ("all", want["year"], want["kind"])
        assert t["comparator"] == want["comparator"] and t["text"] == want["text"]
        assert _num(t["value"]) == _num(want["value"]), r["name"]
        assert t["baseline_year"] == r["baseline"]["year"]
        assert _num(t["baseline_value"]) == _num(r["baseline"]["value"]), r["name"]
    relative = ok(planner.get("/api/v1/targets", params={
        "indicator_id": by_name["每千人口公共卫生人员数"]["id"]}), 200)["items"][0]
    assert relative["rule_unit"] == "%"
    assert _num(relative["resolved_value"]) == Decimal("1.014")  # 0.78 × 1.3


def test_measurements_give_each_indicator_an_explained_status(running_platform, people, seeded) -> None:  # type: ignore[no-untyped-def]
    planner, leader = people["planner"].http, people["leader"].http
    pid, rows = seeded["plan"]["id"], seeded["rows"]
    ids = {i["name"]: i["id"] for i in seeded["bulk"]["items"]}
    assert set(VALUES) == set(ids)
    for r in rows:
        base, latest = VALUES[r["name"]]
        if r["baseline"]["value"] is None:
            assert base is not None, r["name"]
            ok(planner.post("/api/v1/measurements", json={
                "indicator_id": ids[r["name"]], "region_code": REGION, "period": "2020",
                "value": base, "source": "宜春市统计年鉴", "submit": True}), 201)
        m = ok(planner.post("/api/v1/measurements", json={
            "indicator_id": ids[r["name"]], "region_code": REGION, "period": "2023",
            "value": latest, "source": "宜春市卫生健康统计", "note": "2023 年监测值",
            "submit": True}), 201)
        assert m["status"] == "submitted" and m["period"] == "2023"

    listed = ok(leader.get("/api/v1/assessments", params={
        "plan_id": pid, "region_code": REGION, "limit": 100}), 200)["items"]
    assert len(listed) == 24
    by_ind = {a["indicator_id"]: a for a in listed}
    print(json.dumps([by_ind[ids[n]] for n in ("人均预期寿命", "每千人口执业（助理）医师数")], ensure_ascii=False, indent=1))
    card = ok(leader.get(f"/api/v1/scorecards/{pid}"), 200)
    print(json.dumps({**card, "rows": card["rows"][:2]}, ensure_ascii=False, indent=1))
