"""The unit directory by spreadsheet (template → fill → dry run → import → re-import, GB18030
CSV, row/column errors) and unit succession (a retired unit's name resolves to its successor;
retiring hands its open assignments over on confirmation, audited)."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import openpyxl
from harness import client_for

from tasks.world import REGION, build_world, etag, make_unit, ok, staff_tokens

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def _import(c: Any, content: bytes, name: str = "units.xlsx", **params: Any) -> Any:
    return await c.post(
        "/api/v1/units/import", params=params, files={"file": (name, content, XLSX)}
    )


async def test_unit_template_fill_dry_run_import_reimport(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:4]
    async with client_for(tasks, staff_tokens(make_token)["planner"]) as c:
        r = await c.get("/api/v1/units/template", params={"region_code": "360100"})
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        assert wb.sheetnames == ["数据", "选项", "填写说明"]
        ws = wb["数据"]
        header = [str(c.value).rstrip("*") for c in ws[1]]
        assert header[:5] == ["单位名称", "全称", "别名", "层级", "区划代码"]
        lists = wb["选项"]
        assert [lists.cell(i, 2).value for i in (2, 3)] == ["360100", "360102"]
        assert "预检" in " ".join(
            str(r[0]) for r in wb["填写说明"].iter_rows(values_only=True) if r[0]
        )
        rows = [
            [
                f"区卫健委{tag}",
                "新建区卫生健康委员会",
                f"新建区卫健委{tag}、区卫生健康委{tag}",
                "县级",
                REGION,
                None,
                "91350100M000100Y43",
            ],
            [f"区疾控中心{tag}", None, None, "县级", REGION, f"区卫健委{tag}"],
            [f"区人民医院{tag}", None, None, "县级", REGION, f"区卫健委{tag}"],
        ]
        for row in rows:
            ws.append(row)
        filled = _xlsx(wb)
        r = await _import(c, filled)
        assert r.status_code == 200, r.text
        s = r.json()
        assert (s["dry_run"], s["written"], s["created"], s["failed"]) == (True, False, 3, 0)
        listed = ok(await c.get("/api/v1/units", params={"q": tag}))["items"]
        assert listed == [], "a dry run writes nothing"
        r = await _import(c, filled, dry_run="false")
        assert r.status_code == 200 and r.json()["created"] == 3, r.text
        units = {u["name"]: u for u in ok(await c.get("/api/v1/units", params={"q": tag}))["items"]}
        assert units[f"区疾控中心{tag}"]["parent_id"] == units[f"区卫健委{tag}"]["id"]
        assert units[f"区卫健委{tag}"]["aliases"] == sorted(
            [f"新建区卫健委{tag}", f"区卫生健康委{tag}"]
        )
        again = await _import(c, filled, dry_run="false")
        assert (again.json()["unchanged"], again.json()["created"], again.json()["updated"]) == (
            3,
            0,
            0,
        )
        # Export → rename one unit by its credit code → import: one update, no new unit.
        r = await c.get("/api/v1/units/export", params={"region_code": REGION})
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        ws = wb["数据"]
        [row] = [r for r in ws.iter_rows(min_row=2) if r[0].value == f"区卫健委{tag}"]
        row[0].value = f"区卫生健康委员会{tag}"
        r = await _import(c, _xlsx(wb), dry_run="false")
        assert r.status_code == 200, r.text
        assert r.json()["updated"] == 1 and r.json()["created"] == 0
        [changed] = [o for o in r.json()["rows"] if o["action"] == "update"]
        assert changed["changes"]["单位名称"] == [f"区卫健委{tag}", f"区卫生健康委员会{tag}"]


async def test_unit_rows_with_errors_and_gb18030_csv(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:4]
    async with client_for(tasks, staff_tokens(make_token)["planner"]) as c:
        r = await c.get("/api/v1/units/template", params={"format": "csv"})
        header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        lines = [
            header,
            [f"区医保局{tag}", "", "", "县级", REGION, "", "", "", "", ""],
            [f"区档案馆{tag}", "", "", "镇级", REGION, "", "", "", "", ""],  # bad level
            [f"区水利局{tag}", "", "", "县级", "360202", "", "", "", "", ""],  # not the planner's
            [f"区统计局{tag}", "", "", "县级", REGION, "", "123", "", "", ""],  # bad credit code
            [
                f"区民政局{tag}",
                "",
                "",
                "县级",
                REGION,
                "无此单位",
                "",
                "",
                "",
                "",
            ],  # unknown parent
            [f"区文旅局{tag}", "", "", "县级", REGION, "", "", "2024-13-01", "", ""],  # bad date
            [f"区医保局{tag}", "", "", "县级", REGION, "", "", "", "", ""],  # repeated
        ]
        buf = io.StringIO()
        csv.writer(buf).writerows(lines)
        content = buf.getvalue().encode("gb18030")
        r = await _import(c, content, "单位.csv")
        assert r.status_code == 200, r.text
        got = {(e["row"], e["column"]) for e in r.json()["errors"]}
        assert got == {
            (3, "层级"),
            (4, "区划代码"),
            (5, "统一社会信用代码"),
            (6, "上级单位"),
            (7, "启用日期"),
            (8, "单位名称"),
        }
        r = await _import(c, content, "单位.csv", dry_run="false")
        assert r.status_code == 422 and r.json()["code"] == "sheet_rows_invalid"
        assert ok(await c.get("/api/v1/units", params={"q": tag}))["items"] == []
        r = await _import(c, content, "单位.csv", dry_run="false", mode="valid")
        assert (r.json()["created"], r.json()["failed"]) == (1, 6)
        assert [
            u["name"] for u in ok(await c.get("/api/v1/units", params={"q": tag}))["items"]
        ] == [f"区医保局{tag}"]
    async with client_for(tasks, make_token("unit", unit_id=str(uuid.uuid4()))) as u:
        assert (await _import(u, content, "单位.csv")).status_code == 403


async def test_succession_hands_over_open_assignments(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    async with w.client("planner") as c:
        new = await make_unit(c, f"区卫生健康委员会{w.ids['tag']}")
        old_id = w.ids["unit_a"]
        body = {"successor_id": new["id"], "active_until": "2024-03-31"}
        tag = await etag(w, f"/api/v1/units/{old_id}")
        r = await c.post(f"/api/v1/units/{old_id}/succession", json=body, headers={"If-Match": tag})
        preview = ok(r)
        assert (preview["confirmed"], preview["moved"]) == (False, 0)
        assert [a["assignment_id"] for a in preview["open_assignments"]] == [w.ids["a1"]]
        assert ok(await c.get(f"/api/v1/assignments/{w.ids['a1']}"))["unit_id"] == old_id
        r = await c.post(
            f"/api/v1/units/{old_id}/succession",
            json={**body, "successor_id": old_id},
            headers={"If-Match": tag},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "successor_id"
        r = await c.post(
            f"/api/v1/units/{old_id}/succession",
            json={**body, "confirm": True},
            headers={"If-Match": tag},
        )
        done = ok(r)
        assert (done["confirmed"], done["moved"]) == (True, 1)
        assert done["unit"]["active_until"] == "2024-03-31"
        assert done["unit"]["successor_id"] == new["id"]
        assert ok(await c.get(f"/api/v1/assignments/{w.ids['a1']}"))["unit_id"] == new["id"]
        audit = ok(await c.get("/api/v1/audit_events", params={"entity_id": w.ids["a1"]}))["items"]
        assert any(e["action"] == "hand_over" for e in audit)
        # The old name now resolves to the successor, with a warning.
        res = ok(
            await c.post(
                "/api/v1/units/resolve",
                json={
                    "region_code": REGION,
                    "names": [f"区卫健委{w.ids['tag']}"],
                    "on": "2024-06-01",
                },
            )
        )
        [item] = res["items"]
        assert (item["status"], item["matched_by"], item["unit"]["id"]) == (
            "resolved",
            "successor",
            new["id"],
        )
        assert "停用" in item["warning"]
    async with w.client("planner_other") as other:
        tag = await etag(w, f"/api/v1/units/{new['id']}")
        r = await other.post(
            f"/api/v1/units/{new['id']}/succession",
            json={"successor_id": old_id, "active_until": "2024-03-31"},
            headers={"If-Match": tag},
        )
        # Another city's staff do not see the unit at all (region visibility): 404.
        assert r.status_code == 404, r.text
