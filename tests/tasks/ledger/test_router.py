"""The 台账 of a plan: one row per task with its units, state and light."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from dudao_shared.clock import today_dependency
from tasks.world import build_world, ok


async def test_ledger_one_row_per_task_with_units_and_states(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tasks.dependency_overrides[today_dependency] = lambda: dt.date(2024, 3, 1)
    try:
        w = await build_world(tasks, make_token)
        async with w.client("leader") as c:
            r = await c.get(f"/api/v1/plans/{w.ids['plan']}/ledger.xlsx")
            assert r.status_code == 200
            assert r.headers["content-type"].startswith(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            units = {
                u["id"]: u["name"]
                for u in ok(await c.get("/api/v1/units", params={"limit": 500}))["items"]
            }
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "序号",
        "编号",
        "任务",
        "牵头单位",
        "配合单位",
        "完成时限",
        "状态",
        "最新进展",
        "完成进度",
        "亮灯",
    )
    body = {row[1]: row for row in rows[1:]}
    assert list(body) == ["二.(一).1", "二.(一).2", "二.(一).3"]  # tasks only, document order
    t1, t2, t3 = body["二.(一).1"], body["二.(一).2"], body["二.(一).3"]
    assert t1[3] == units[w.ids["unit_a"]] and t1[4] == units[w.ids["unit_c"]]
    assert t2[3] == units[w.ids["unit_b"]] and t2[4] is None
    assert t1[6] == "已完成（待审核）" and t2[6] == "未启动" and t3[6] == "未启动"
    assert "已完成疾控中心改造" in t1[7] and t1[8] == "100%"
    assert "2023-12-31" in t1[5] and "2025-12-31" in t1[5]
    assert t1[9] == "绿" and t2[9] == "红"  # task 2 was due 2023-12-31
    assert ws.freeze_panes == "A2"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert ws.cell(row=3, column=10).fill.fgColor.rgb.endswith("FFC7CE")
    assert all(ws.column_dimensions[col].width for col in "ABCDEFGHIJ")


async def test_ledger_writes_stored_report_text_safely(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: a report text with \\u001b made the ledger a 500 for everyone; a report that
    looks like a formula must reach the sheet as text, never as a formula."""
    import zipfile

    w = await build_world(tasks, make_token, completed=False)
    async with w.client("unit_a") as c:
        ok(
            await c.post(
                f"/api/v1/assignments/{w.ids['a1']}/reports",
                json={"percent": 50, "text": "已完成\u001b[31m一半"},
            ),
            201,
        )
    async with w.client("admin") as c:
        ok(
            await c.post(
                f"/api/v1/assignments/{w.ids['a2']}/reports",
                json={"percent": 10, "text": '=HYPERLINK("http://evil.example/","查看")'},
            ),
            201,
        )
        ok(
            await c.post(
                f"/api/v1/plans/{w.ids['plan']}/items",
                json={
                    "parent_id": w.ids["section"],
                    "kind": "task",
                    "label": "9",
                    "title": '=HYPERLINK("http://evil.example/","任务")',
                },
            ),
            201,
        )
        r = await c.get(f"/api/v1/plans/{w.ids['plan']}/ledger.xlsx")
    assert r.status_code == 200, r.text
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(r.content)).read("xl/worksheets/sheet1.xml")
    ws = load_workbook(io.BytesIO(r.content)).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("已完成[31m一半" in c.value for c in cells)
    assert not any("\x1b" in c.value for c in cells)
    link = [c for c in cells if "HYPERLINK" in c.value]
    assert len(link) == 2 and all(c.data_type == "s" for c in link)
    title = [c for c in link if c.value.startswith("=")]
    assert len(title) == 1 and title[0].quotePrefix
