"""A plan's tasks and units by spreadsheet: export → edit → dry run → import → re-import,
row/column errors, GB18030 CSV, and the template."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from tasks.world import build_world, ok

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def _import(c: Any, plan: str, content: bytes, name: str = "t.xlsx", **params: Any) -> Any:
    return await c.post(
        f"/api/v1/plans/{plan}/tasks/import", params=params, files={"file": (name, content, XLSX)}
    )


async def test_tasks_round_trip(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    tag, plan = w.ids["tag"], w.ids["plan"]
    async with w.client("planner") as c:
        r = await c.get(f"/api/v1/plans/{plan}/tasks/export")
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        ws = wb["数据"]
        header = [str(x.value).rstrip("*") for x in ws[1]]
        rows = {row[0].value: row for row in ws.iter_rows(min_row=2)}
        assert list(rows) == ["二.(一).1", "二.(一).2", "二.(一).3"]
        col = {h: i for i, h in enumerate(header)}
        assert rows["二.(一).1"][col["牵头单位"]].value == f"区卫健委{tag}"
        assert rows["二.(一).1"][col["配合单位"]].value == f"区发改委{tag}"
        assert rows["二.(一).1"][col["完成时限"]].value == "2023-12-31、2025-12-31"
        # Edit: task 2 gets a co unit (named by its alias's owner) and a later deadline; task 3
        # gets a lead; a new task 4 is added under 二.(一).
        rows["二.(一).2"][col["配合单位"]].value = f"新建区卫生健康委员会{tag}"
        rows["二.(一).2"][col["完成时限"]].value = "2024-06-30"
        rows["二.(一).2"][col["时限原文"]].value = "2024年6月底前"
        rows["二.(一).3"][col["牵头单位"]].value = f"区财政局{tag}"
        ws.append(["二.(一).4", "建设区域医疗中心", None, f"区卫健委{tag}", None, "2025-12-31"])
        edited = _xlsx(wb)
        s = ok(await _import(c, plan, edited))
        assert (s["dry_run"], s["created"], s["updated"], s["unchanged"], s["failed"]) == (
            True,
            1,
            2,
            1,
            0,
        )
        assert s["rows"][1]["changes"]["完成时限"] == ["2023-12-31", "2024-06-30"]
        items = ok(await c.get(f"/api/v1/plans/{plan}/items"))["items"]
        assert "二.(一).4" not in {i["code"] for i in items}, "a dry run writes nothing"
        s = ok(await _import(c, plan, edited, dry_run="false"))
        assert (s["written"], s["created"], s["updated"]) == (True, 1, 2)
        items = {i["code"]: i for i in ok(await c.get(f"/api/v1/plans/{plan}/items"))["items"]}
        assert items["二.(一).4"]["title"] == "建设区域医疗中心"
        assert items["二.(一).4"]["parent_id"] == items["二.(一)"]["id"]
        assert items["二.(一).2"]["due_on"] == "2024-06-30"
        units = ok(await c.get(f"/api/v1/tasks/{w.ids['task2']}/assignments"))["items"]
        assert {(a["unit_id"], a["role"]) for a in units} == {
            (w.ids["unit_b"], "lead"),
            (w.ids["unit_a"], "co"),
        }
        again = ok(await _import(c, plan, edited, dry_run="false"))
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


async def test_task_rows_with_errors(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    tag, plan = w.ids["tag"], w.ids["plan"]
    async with w.client("planner") as c:
        r = await c.get(f"/api/v1/plans/{plan}/tasks/template", params={"format": "csv"})
        header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        lines = [
            header,
            ["二.(一).5", "新增任务甲", "", f"区财政局{tag}", "", "2025-12-31", ""],
            ["二.(一).6", "新增任务乙", "", "区不存在局", "", "", ""],  # unknown unit
            ["二.(一).7", "新增任务丙", "", f"区财政局{tag}", "", "明年", ""],  # bad date
            ["九.(一).1", "新增任务丁", "", "", "", "", ""],  # no such parent
            ["二.(一)", "公共卫生", "", "", "", "", ""],  # a section
            ["二.(一).1", "完善疾病预防控制体系", "", f"区财政局{tag}", "", "2025-12-31", ""],
            ["二.(一).8", "新增任务戊", "", "", f"区财政局{tag}", "", ""],  # co without lead
        ]
        buf = io.StringIO()
        csv.writer(buf).writerows(lines)
        content = buf.getvalue().encode("gb18030")
        s = ok(await _import(c, plan, content, "任务.csv"))
        got = {(e["row"], e["column"]) for e in s["errors"]}
        # Row 7 would drop unit A from task 1, and A has reported on it.
        assert got == {
            (3, "牵头单位"),
            (4, "完成时限"),
            (5, "任务编号"),
            (6, "任务编号"),
            (7, "牵头单位"),
            (8, "牵头单位"),
        }
        assert s["created"] == 1
        r = await _import(c, plan, content, "任务.csv", dry_run="false")
        assert r.status_code == 422 and r.json()["code"] == "sheet_rows_invalid"
        s = ok(await _import(c, plan, content, "任务.csv", dry_run="false", mode="valid"))
        assert (s["created"], s["failed"]) == (1, 6)
    async with w.client("planner_other") as other:
        r = await _import(other, plan, content, "任务.csv")
        # Another city's staff do not see the plan at all (region visibility): 404.
        assert r.status_code == 404, r.text
    async with w.client("unit_a") as unit:
        r = await unit.get(f"/api/v1/plans/{plan}/tasks/export")
        assert r.status_code == 403
