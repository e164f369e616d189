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

import pytest
from openpyxl import load_workbook

from e2e.helpers import Actor, client, create_unit, ok, staff, uniq, unit_actor

pytestmark = pytest.mark.e2e

REGION = "360900"  # 宜春市
COUNTY = "360902"  # 袁州区
GOLD = Path(__file__).resolve().parents[1] / "importer" / "gold"
SEED = GOLD / "002_dfb8ccd5e9df308d.json"
STATUSES = {
    "achieved",
    "on_track",
    "moderately_off_track",
    "off_track",
    "regressing",
    "not_achieved",
    "insufficient_data",
}
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
    plan = ok(
        planner.post(
            "/api/v1/plans",
            json={
                "title": uniq(doc["document"]["title"] + "-"),
                "level": "city",
                "region_code": REGION,
                "issuer": doc["document"]["issuer"],
                "period_start": period["start"],
                "period_end": period["end"],
            },
        ),
        201,
    )
    body = {"plan_id": plan["id"], "region_code": REGION, "indicators": rows}
    # Only planners of the region (and admins) store indicators: a leader may not write, and
    # to another city's planner the plan does not exist (the task service does not show it).
    assert people["leader"].http.post("/api/v1/indicators/bulk", json=body).status_code == 403
    r = people["planner_other"].http.post("/api/v1/indicators/bulk", json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "plan_id", r.text
    result = ok(planner.post("/api/v1/indicators/bulk", json=body), 201)
    return {"plan": plan, "rows": rows, "bulk": result}


def test_seed_002_table_stored_with_baselines_targets_and_natures(
    running_platform, people, seeded
) -> None:  # type: ignore[no-untyped-def]
    planner = people["planner"].http
    rows, result, pid = seeded["rows"], seeded["bulk"], seeded["plan"]["id"]
    assert (result["created"], result["unchanged"], len(result["items"])) == (24, 0, 24)
    by_name = {i["name"]: i for i in result["items"]}
    assert set(by_name) == {r["name"] for r in rows}
    for r in rows:
        assert by_name[r["name"]]["nature"] == NATURES[r["nature"]], r["name"]
    # Directions: from the comparator, from a relative/annual rule's sign, from the words.
    assert (by_name["孕产妇死亡率"]["direction"], by_name["孕产妇死亡率"]["direction_source"]) == (
        "lower_is_better",
        "comparator",
    )
    assert by_name["每千人口执业（助理）医师数"]["direction"] == "higher_is_better"
    assert (by_name["健康预期寿命"]["direction"], by_name["健康预期寿命"]["direction_source"]) == (
        "higher_is_better",
        "text",
    )
    assert by_name["个人卫生支出占卫生总费用的比重"]["direction"] == "band"
    assert by_name["全市儿童青少年总体近视率"]["direction"] == "lower_is_better"
    # The 其中 row hangs under its parent.
    assert by_name["每千人口医疗卫生机构中医执业（助理）医师数"]["code"] == "11.1"

    # The same table again changes nothing.
    again = ok(
        planner.post(
            "/api/v1/indicators/bulk",
            json={"plan_id": pid, "region_code": REGION, "indicators": rows},
        ),
        201,
    )
    assert (again["created"], again["unchanged"]) == (0, 24)

    listed = ok(planner.get("/api/v1/indicators", params={"plan_id": pid, "limit": 100}), 200)
    assert [i["name"] for i in listed["items"]] == [r["name"] for r in rows]  # table order
    parent = next(i for i in listed["items"] if i["code"] == "11")
    child = next(i for i in listed["items"] if i["code"] == "11.1")
    assert child["parent_id"] == parent["id"]
    assert {i["nature"] for i in listed["items"]} == {"expected", "binding"}
    # Baselines and targets, row by row.
    for r, ind in zip(rows, listed["items"], strict=True):
        targets = ok(planner.get("/api/v1/targets", params={"indicator_id": ind["id"]}), 200)[
            "items"
        ]
        assert len(targets) == 1, r["name"]
        t, want = targets[0], r["target"]
        assert (t["scope"], t["target_year"], t["kind"]) == ("all", want["year"], want["kind"])
        assert t["comparator"] == want["comparator"] and t["text"] == want["text"]
        assert _num(t["value"]) == _num(want["value"]), r["name"]
        assert t["baseline_year"] == r["baseline"]["year"]
        assert _num(t["baseline_value"]) == _num(r["baseline"]["value"]), r["name"]
    relative = ok(
        planner.get(
            "/api/v1/targets", params={"indicator_id": by_name["每千人口公共卫生人员数"]["id"]}
        ),
        200,
    )["items"][0]
    assert relative["rule_unit"] == "%"
    assert _num(relative["resolved_value"]) == Decimal("1.014")  # 0.78 × 1.3


@pytest.fixture(scope="module")
def measured(people, seeded) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A 2023 value for 宜春市 for each indicator (and a 2020 one where the table has none)."""
    planner = people["planner"].http
    ids = {i["name"]: i["id"] for i in seeded["bulk"]["items"]}
    assert set(VALUES) == set(ids)
    out: dict[str, dict[str, Any]] = {}
    for r in seeded["rows"]:
        base, latest = VALUES[r["name"]]
        if r["baseline"]["value"] is None:
            assert base is not None, r["name"]
            ok(
                planner.post(
                    "/api/v1/measurements",
                    json={
                        "indicator_id": ids[r["name"]],
                        "region_code": REGION,
                        "period": "2020",
                        "value": base,
                        "source": "宜春市统计年鉴",
                        "submit": True,
                    },
                ),
                201,
            )
        # Lagging values need a note when submitted; every value here carries one.
        m = ok(
            planner.post(
                "/api/v1/measurements",
                json={
                    "indicator_id": ids[r["name"]],
                    "region_code": REGION,
                    "period": "2023",
                    "value": latest,
                    "source": "宜春市卫生健康统计",
                    "note": "2023 年监测值",
                    "submit": True,
                },
            ),
            201,
        )
        assert (m["status"], m["period"], m["region_code"]) == ("submitted", "2023", REGION)
        assert _num(m["value"]) == _num(latest)
        out[r["name"]] = {"indicator_id": ids[r["name"]], "measurement": m}
    return out


# The statuses the engine gives these values, and the method behind each.
EXPECTED: dict[str, tuple[str, str]] = {
    "人均预期寿命": ("on_track", "cagr"),
    "健康预期寿命": ("moderately_off_track", "no_target_cagr"),  # qualitative target
    "孕产妇死亡率": ("achieved", "none"),
    "婴儿死亡率": ("achieved", "none"),
    "5岁以下儿童死亡率": ("achieved", "none"),
    "重大慢性病过早死亡率": ("achieved", "none"),
    "居民健康素养水平": ("moderately_off_track", "cagr"),
    "15岁以上人群吸烟率": ("off_track", "cagr"),
    "国家卫生城市覆盖率": ("moderately_off_track", "cagr"),
    "每千人口医疗卫生机构床位数": ("on_track", "cagr"),
    "每千人口执业（助理）医师数": ("on_track", "cagr"),
    "每千人口医疗卫生机构中医执业（助理）医师数": ("on_track", "cagr"),
    "每千人口注册护士数": ("on_track", "cagr"),
    "每千人口药师（士）数": ("regressing", "cagr"),
    "每万人口全科医生数": ("off_track", "cagr"),  # binding: no middle band
    "每千人口公共卫生人员数": ("moderately_off_track", "cagr"),  # relative +30 %
    "每千人口0-3岁婴幼儿托位数": ("on_track", "cagr"),
    "全市儿童青少年总体近视率": ("off_track", "milestone"),  # −0.5 pp a year, binding
    "二级以上综合医院设立老年医学科比例": ("on_track", "cagr"),
    "65岁及以上老年人城乡社区规范健康管理服务率": ("on_track", "cagr"),
    "城乡老年友好型社区": ("on_track", "linear"),  # baseline 0: no growth rate
    "综合性医疗机构设置老年人“绿色通道”比率": ("on_track", "cagr"),
    "个人卫生支出占卫生总费用的比重": ("achieved", "none"),  # band 27 % 左右
    "健康服务业总规模年均增速": ("achieved", "none"),
}
THRESHOLDS = {"on_track": "0.95", "moderate": "0.60", "regress": "0"}


def test_measurements_give_each_indicator_an_explained_status(
    running_platform, people, seeded, measured
) -> None:  # type: ignore[no-untyped-def]
    leader = people["leader"].http
    pid = seeded["plan"]["id"]
    rows = {r["name"]: r for r in seeded["rows"]}
    listed = ok(
        leader.get(
            "/api/v1/assessments", params={"plan_id": pid, "region_code": REGION, "limit": 100}
        ),
        200,
    )["items"]
    assert len(listed) == 24
    by_ind = {a["indicator_id"]: a for a in listed}
    got = {}
    for name, m in measured.items():
        a = by_ind[m["indicator_id"]]
        got[name] = (a["status"], a["method"])
        row = rows[name]
        comps = a["components"]
        assert a["status"] in STATUSES and a["status"] != "insufficient_data", name
        # The reasons explain the status, ending with the conclusion.
        assert a["reasons"] and a["reasons"][-1] == f"结论：{a['status_zh']}", name
        assert comps["method"] == a["method"] and comps["status"] == a["status"]
        assert a["thresholds"] == comps["thresholds"] == THRESHOLDS
        assert a["latest_period"] == "2023" and _num(a["latest_value"]) == _num(VALUES[name][1])
        assert _num(comps["latest_value"]) == _num(VALUES[name][1])
        base = row["baseline"]["value"]
        if base is not None:
            assert comps["baseline_source"] == "target", name
            assert _num(a["baseline_value"]) == _num(base), name
        else:
            assert comps["baseline_source"] == "measured_base_year", name
            assert _num(a["baseline_value"]) == _num(VALUES[name][0]), name
        assert a["baseline_year"] == 2020
        if row["target"]["kind"] == "absolute":
            assert _num(a["target_value"]) == _num(row["target"]["value"]), name
            assert a["target_year"] == 2025 and comps["comparator"] == row["target"]["comparator"]
        if a["method"] in ("cagr", "linear", "milestone", "no_target_cagr"):
            assert a["ratio"] is not None and comps["ratio"] is not None, name
            assert any(f"R={Decimal(comps['ratio']):.4f}" in t or "v=" in t for t in a["reasons"])
        else:
            assert a["ratio"] is None  # met targets need no ratio
        assert a["score"] is not None
    assert got == EXPECTED

    # One assessment read on its own carries the same explanation.
    one = by_ind[measured["每万人口全科医生数"]["indicator_id"]]
    single = ok(leader.get(f"/api/v1/assessments/{one['id']}"), 200)
    assert single["reasons"] == one["reasons"]
    assert "约束性指标不设中间档：进度稍滞后按进度滞后处理" in single["reasons"]
    assert single["components"]["binding_applied"] is True
    relative = by_ind[measured["每千人口公共卫生人员数"]["indicator_id"]]
    assert _num(relative["target_value"]) == Decimal("1.014")
    assert relative["reasons"][0].startswith("目标按规则")

    # The plan's scorecard lists every indicator with the same status and reasons.
    card = ok(leader.get(f"/api/v1/scorecards/{pid}"), 200)
    assert card["region_code"] == REGION and len(card["rows"]) == 24
    assert [r["name"] for r in card["rows"]] == [r["name"] for r in seeded["rows"]]
    for r in card["rows"]:
        a = by_ind[r["indicator_id"]]
        assert (r["status"], r["method"], r["reasons"], r["assessment_id"]) == (
            a["status"],
            a["method"],
            a["reasons"],
            a["id"],
        ), r["name"]
        assert _num(r["latest_value"]) == _num(VALUES[r["name"]][1])
        assert r["nature"] == NATURES[rows[r["name"]]["nature"]]
    summary = card["summary"]
    assert summary["total"] == summary["assessed"] == 24
    counts = {s: 0 for s in STATUSES}
    for status, _ in EXPECTED.values():
        counts[status] += 1
    assert summary["counts"] == counts
    # Scorecards are for staff of the plan's region: to another city's planner the plan does
    # not exist.
    other = people["planner_other"].http.get(f"/api/v1/scorecards/{pid}")
    assert other.status_code == 404 and other.json()["code"] == "plan_not_found", other.text


def test_indicator_table_xlsx_has_the_24_rows(running_platform, people, seeded, measured) -> None:  # type: ignore[no-untyped-def]
    pid = seeded["plan"]["id"]
    r = people["leader"].http.get(f"/api/v1/indicator_tables/{pid}.xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    ws = load_workbook(io.BytesIO(r.content)).active
    table = [list(row) for row in ws.iter_rows(values_only=True)]
    assert table[1] == [
        "领域",
        "序号",
        "指标",
        "计量单位",
        "基期值",
        "目标值",
        "性质",
        "最新值",
        "统计期",
        "评估状态",
        "评估说明",
    ]
    body = table[2:]
    assert len(body) == 24
    card = ok(people["leader"].http.get(f"/api/v1/scorecards/{pid}"), 200)
    domain = None
    for line, gold, row in zip(body, seeded["rows"], card["rows"], strict=True):
        domain = line[0] or domain  # a run of one domain is merged into its first cell
        assert domain == gold["domain"]
        assert (line[1] or None) == gold["seq"]  # an empty cell reads back as None
        assert line[2] == (gold["name"] if gold["parent"] is None else f"其中：{gold['name']}")
        assert line[3] == gold["unit"]
        base = gold["baseline"]["value"]
        assert (line[4] == "—") if base is None else (_num(line[4]) == _num(base)), gold["name"]
        assert line[6] == gold["nature"]
        assert _num(line[7]) == _num(VALUES[gold["name"]][1]) and line[8] == "2023"
        assert line[9] == row["status_zh"] and line[10] == "；".join(row["reasons"])
        if gold["target"]["kind"] == "absolute":
            assert str(gold["target"]["value"]).rstrip("0").rstrip(".") in str(line[5])
    # Units get no table.
    unit = create_unit(people["planner"].http, uniq("宜春市统计中心"), REGION)
    u = unit_actor(running_platform, people["planner"].http, unit)
    try:
        assert u.http.get(f"/api/v1/indicator_tables/{pid}.xlsx").status_code == 403
        assert u.http.get(f"/api/v1/scorecards/{pid}").status_code == 403
    finally:
        u.close()


def test_measurement_grants_scope_units_to_their_indicator_and_region(
    running_platform, people, seeded, measured
) -> None:  # type: ignore[no-untyped-def]
    planner = people["planner"].http
    pid = seeded["plan"]["id"]
    doctors = measured["每千人口执业（助理）医师数"]
    nurses = measured["每千人口注册护士数"]
    ind, other_ind = doctors["indicator_id"], nurses["indicator_id"]
    city_m = doctors["measurement"]["id"]
    granted_unit = create_unit(planner, uniq("袁州区卫健委"), COUNTY)
    plain_unit = create_unit(planner, uniq("袁州区医保局"), COUNTY)
    g = unit_actor(running_platform, planner, granted_unit)
    n = unit_actor(running_platform, planner, plain_unit)

    def measurement(indicator_id: str, region: str, value: float = 2.5) -> dict[str, Any]:
        return {
            "indicator_id": indicator_id,
            "region_code": region,
            "period": "2023",
            "value": value,
            "note": "区级监测值",
            "submit": True,
        }

    try:
        grant_body = {"unit_id": granted_unit["id"], "indicator_id": ind, "region_code": COUNTY}
        # Only planners of the region (and admins) grant: a leader gets 403, another city's
        # planner does not see the indicator (404).
        for who, status in (("planner_other", 404), ("leader", 403)):
            assert (
                people[who].http.post("/api/v1/indicator_grants", json=grant_body).status_code
                == status
            ), who
        assert n.http.post("/api/v1/indicator_grants", json=grant_body).status_code == 403
        assert (
            planner.post(
                "/api/v1/indicator_grants", json={**grant_body, "region_code": "360102"}
            ).status_code
            == 422
        )  # outside the plan
        grant = ok(planner.post("/api/v1/indicator_grants", json=grant_body), 201)
        assert planner.post("/api/v1/indicator_grants", json=grant_body).status_code == 409

        # Without a grant a unit sees nothing and cannot submit.
        for region in (COUNTY, REGION):
            r = n.http.post("/api/v1/measurements", json=measurement(ind, region))
            assert r.status_code in (403, 404), (region, r.status_code, r.text)
        assert ok(n.http.get("/api/v1/indicators", params={"plan_id": pid}), 200)["items"] == []
        assert n.http.get(f"/api/v1/indicators/{ind}").status_code == 404
        assert n.http.get(f"/api/v1/measurements/{city_m}").status_code == 404
        assert ok(n.http.get("/api/v1/indicator_grants"), 200)["items"] == []
        assert ok(n.http.get("/api/v1/assessments", params={"plan_id": pid}), 200)["items"] == []

        # With one, only for the granted indicator and region.
        assert [
            i["id"]
            for i in ok(g.http.get("/api/v1/indicators", params={"plan_id": pid}), 200)["items"]
        ] == [ind]
        assert [x["id"] for x in ok(g.http.get("/api/v1/indicator_grants"), 200)["items"]] == [
            grant["id"]
        ]
        mine = ok(g.http.post("/api/v1/measurements", json=measurement(ind, COUNTY)), 201)
        assert mine["reporting_unit_id"] == granted_unit["id"] and mine["region_code"] == COUNTY
        refused = g.http.post("/api/v1/measurements", json=measurement(ind, REGION))
        assert refused.status_code == 403 and refused.json()["code"] == "not_granted"
        assert (
            g.http.post("/api/v1/measurements", json=measurement(ind, "360982")).status_code == 403
        )  # 樟树市
        assert (
            g.http.post(
                "/api/v1/measurements", json=measurement(other_ind, COUNTY, 3.0)
            ).status_code
            == 404
        )
        # It reads its own pair only: not the city's value for the same indicator.
        seen = ok(g.http.get("/api/v1/measurements", params={"indicator_id": ind}), 200)["items"]
        assert [x["id"] for x in seen] == [mine["id"]]
        assert g.http.get(f"/api/v1/measurements/{city_m}").status_code == 404
        assert {
            (a["indicator_id"], a["region_code"])
            for a in ok(g.http.get("/api/v1/assessments", params={"plan_id": pid}), 200)["items"]
        } == {(ind, COUNTY)}
        # A correction with If-Match and a reason; the old value stays on record.
        r = g.http.get(f"/api/v1/measurements/{mine['id']}")
        fixed = ok(
            g.http.patch(
                f"/api/v1/measurements/{mine['id']}",
                json={"value": 2.6, "reason": "核对原始报表"},
                headers={"If-Match": r.headers["etag"]},
            ),
            200,
        )
        assert _num(fixed["value"]) == Decimal("2.6")
        corr = ok(g.http.get(f"/api/v1/measurements/{mine['id']}/corrections"), 200)["items"]
        assert [(_num(c["old_value"]), _num(c["new_value"]), c["reason"]) for c in corr] == [
            (Decimal("2.5"), Decimal("2.6"), "核对原始报表")
        ]
        # The planner sees the county value alongside the city's.
        latest = ok(planner.get("/api/v1/measurements/latest", params={"indicator_id": ind}), 200)
        assert {x["region_code"] for x in latest["items"]} == {REGION, COUNTY}

        # Withdrawing the grant closes the door again.
        tag = planner.get(f"/api/v1/indicator_grants/{grant['id']}").headers["etag"]
        assert (
            planner.delete(
                f"/api/v1/indicator_grants/{grant['id']}", headers={"If-Match": tag}
            ).status_code
            == 204
        )
        assert g.http.get(f"/api/v1/measurements/{mine['id']}").status_code == 404
        assert g.http.post(
            "/api/v1/measurements", json={**measurement(ind, COUNTY), "period": "2024"}
        ).status_code in (403, 404)
    finally:
        g.close()
        n.close()
