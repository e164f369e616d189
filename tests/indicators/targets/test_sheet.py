"""Targets and yearly milestones by spreadsheet: template → fill → dry run → import →
re-import; export → edit → import updates; row and column errors."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from harness import client_for
from indicators.helpers import COUNTY, REGION, make_indicator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def _import(c: Any, plan: str, content: bytes, **params: Any) -> Any:
    return await c.post(
        "/api/v1/targets/import",
        params={"plan_id": plan, **params},
        files={"file": ("t.xlsx", content, XLSX)},
    )


async def test_targets_template_import_and_round_trip(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        plan = await new_plan()
        life = await make_indicator(
            c, plan, code="1", name="人均预期寿命", measure_unit="岁", direction="higher_is_better"
        )
        imr = await make_indicator(c, plan, code="2", name="婴儿死亡率")
        r = await c.get("/api/v1/targets/template", params={"plan_id": plan})
        assert r.status_code == 200, r.text
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        ws = wb["数据"]
        header = [str(x.value).rstrip("*") for x in ws[1]]
        assert header[:3] == ["指标编号", "指标名称", "适用范围"]
        assert [wb["选项"].cell(i, 1).value for i in range(2, 6)] == [
            "绝对值",
            "相对基期",
            "每年变化",
            "仅文字",
        ]

        def row(**kw: Any) -> list[Any]:
            return [kw.get(h) for h in header]

        ws.append(
            row(
                **{
                    "指标编号": "1",
                    "适用范围": "全部",
                    "基期年份": 2020,
                    "基期值": 77.5,
                    "目标年份": 2025,
                    "目标类型": "绝对值",
                    "比较符": "≥",
                    "目标值": 78.5,
                    "目标原文": "78.5岁以上",
                    "分年度目标": "2023：≥78；2024：≥78.2",
                }
            )
        )
        ws.append(
            row(
                **{
                    "指标编号": "2",
                    "适用范围": "全部",
                    "基期年份": 2020,
                    "基期值": 5.4,
                    "目标年份": 2025,
                    "目标类型": "绝对值",
                    "比较符": "≤",
                    "目标值": 5,
                }
            )
        )
        ws.append(
            row(
                **{
                    "指标编号": "2",
                    "适用范围": COUNTY,
                    "基期年份": 2020,
                    "基期值": 6.1,
                    "目标年份": 2025,
                    "目标类型": "每年变化",
                    "目标值": -0.2,
                    "变化单位": "百分点",
                }
            )
        )
        filled = _xlsx(wb)
        s = (await _import(c, plan, filled)).json()
        assert (s["dry_run"], s["created"], s["failed"]) == (True, 3, 0), s
        r = await c.get("/api/v1/targets", params={"indicator_id": life["id"]})
        assert r.status_code == 200 and r.json()["items"] == [], "a dry run writes nothing"
        s = (await _import(c, plan, filled, dry_run="false")).json()
        assert (s["written"], s["created"]) == (True, 3), s
        again = (await _import(c, plan, filled, dry_run="false")).json()
        assert (again["unchanged"], again["created"], again["updated"]) == (3, 0, 0), again

        r = await c.get("/api/v1/targets/export", params={"plan_id": plan})
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        ws = wb["数据"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        col = {h: i for i, h in enumerate(header)}
        life_row = next(r for r in rows if r[0] == "1")
        assert life_row[col["比较符"]] == "≥" and life_row[col["目标值"]] == 78.5
        assert life_row[col["分年度目标"]] == "2023：≥78；2024：≥78.2"
        # Raise the county's yearly reduction and the 2024 milestone.
        for r_ in ws.iter_rows(min_row=2):
            if r_[0].value == "2" and r_[col["适用范围"]].value == COUNTY:
                r_[col["目标值"]].value = -0.3
            if r_[0].value == "1":
                r_[col["分年度目标"]].value = "2023：≥78；2024：≥78.3"
        s = (await _import(c, plan, _xlsx(wb), dry_run="false")).json()
        assert (s["updated"], s["unchanged"]) == (2, 1), s
        changes = [o["changes"] for o in s["rows"] if o["action"] == "update"]
        assert {"分年度目标": ["2023：≥78；2024：≥78.2", "2023：≥78；2024：≥78.3"]} in changes
        assert {"目标值": ["-0.2", "-0.3"]} in changes
        assert imr["id"]


async def test_target_rows_with_errors(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        plan = await new_plan()
        await make_indicator(
            c, plan, code="1", name="人均预期寿命", measure_unit="岁", direction="higher_is_better"
        )
        r = await c.get("/api/v1/targets/template", params={"plan_id": plan})
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        ws = wb["数据"]
        header = [str(x.value).rstrip("*") for x in ws[1]]

        def row(**kw: Any) -> list[Any]:
            return [kw.get(h) for h in header]

        ws.append(row(**{"指标编号": "9", "目标类型": "绝对值"}))  # 2
        ws.append(row(**{"指标编号": "1", "适用范围": "乡级", "目标类型": "绝对值"}))  # 3
        ws.append(row(**{"指标编号": "1", "目标类型": "大约", "目标值": 1}))  # 4
        ws.append(row(**{"指标编号": "1", "目标类型": "绝对值", "目标值": 78}))  # 5 no comparator
        ws.append(
            row(
                **{
                    "指标编号": "1",
                    "适用范围": "360100",
                    "目标类型": "绝对值",
                    "比较符": "≥",
                    "目标值": 78,
                }
            )
        )  # 6 outside
        ws.append(
            row(
                **{
                    "指标编号": "1",
                    "适用范围": "县级",
                    "目标类型": "绝对值",
                    "比较符": "≥",
                    "目标值": 78,
                    "分年度目标": "明年达到78",
                }
            )
        )  # 7
        ws.append(
            row(
                **{
                    "指标编号": "1",
                    "适用范围": "市级",
                    "目标类型": "绝对值",
                    "比较符": "≥",
                    "目标值": "七十八",
                }
            )
        )  # 8
        s = (await _import(c, plan, _xlsx(wb))).json()
        assert {(e["row"], e["column"]) for e in s["errors"]} == {
            (2, "指标编号"),
            (3, "适用范围"),
            (4, "目标类型"),
            (5, "比较符"),
            (6, "适用范围"),
            (7, "分年度目标"),
            (8, "目标值"),
        }, s["errors"]
    async with client_for(indicators, make_token("planner", region_code="360100")) as other:
        r = await _import(other, plan, _xlsx(wb))
        assert r.status_code == 404 or all(o["action"] == "error" for o in r.json()["rows"]), r.text
    async with client_for(indicators, make_token("unit", unit_id="u-1")) as unit:
        r = await _import(unit, plan, _xlsx(wb))
        assert r.status_code == 403
