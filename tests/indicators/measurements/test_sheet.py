"""Measurements by spreadsheet: the template a county fills in, a dry run that writes nothing
and reports every row, the import, a re-import that changes nothing, row and column errors,
GB18030 CSV, and a unit's export → correct two values → import round trip."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
from harness import client_for

from indicators.helpers import COUNTY, REGION, make_indicator, measure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content))


def _xlsx(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _columns(ws: Any) -> dict[str, int]:
    return {str(c.value).rstrip("*"): c.column for c in ws[1]}


async def _plan_with_indicators(c: Any, new_plan: Any) -> tuple[str, list[dict[str, Any]]]:
    plan = await new_plan()
    inds = [
        await make_indicator(
            c, plan, code="1", name="人均预期寿命", measure_unit="岁", direction="higher_is_better"
        ),
        await make_indicator(
            c,
            plan,
            code="2",
            name="孕产妇死亡率",
            measure_unit="1/10万",
            direction="lower_is_better",
        ),
        await make_indicator(c, plan, code="3", name="婴儿死亡率", measure_unit="‰"),
    ]
    return plan, inds


async def _import(
    c: Any, plan: str, content: bytes, name: str = "values.xlsx", **params: Any
) -> Any:
    return await c.post(
        "/api/v1/measurements/import",
        params={"plan_id": plan, **params},
        files={"file": (name, content, XLSX if name.endswith("xlsx") else "text/csv")},
    )


async def _values(c: Any, ind_id: str) -> dict[tuple[str, str], Any]:
    r = await c.get("/api/v1/measurements", params={"indicator_id": ind_id, "limit": 200})
    assert r.status_code == 200, r.text
    return {(m["region_code"], m["period"]): m for m in r.json()["items"]}


async def test_template_fill_dry_run_import_and_reimport(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        plan, inds = await _plan_with_indicators(c, new_plan)
        r = await c.get(
            "/api/v1/measurements/template",
            params={"plan_id": plan, "period": "2024", "region_code": REGION},
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == XLSX
        assert "filename*=UTF-8''" in r.headers["content-disposition"]
        wb = _sheet(r.content)
        assert wb.sheetnames == ["数据", "选项", "填写说明"]
        ws = wb["数据"]
        col = _columns(ws)
        assert [ws.cell(i, col["指标编号"]).value for i in range(2, 5)] == ["1", "2", "3"]
        assert ws.cell(2, col["指标名称"]).value == "人均预期寿命"
        assert ws.data_validations.dataValidation, "the 报送 column offers a list"
        help_text = [row[0] for row in wb["填写说明"].iter_rows(values_only=True) if row]
        assert any("预检" in str(t) for t in help_text)
        # A county office fills in two of the three values and leaves one row empty.
        ws.cell(2, col["数值"], 78.9)
        ws.cell(3, col["数值"], 9.8)
        filled = _xlsx(wb)

        r = await _import(c, plan, filled)  # dry run by default
        assert r.status_code == 200, r.text
        summary = r.json()
        assert (summary["dry_run"], summary["written"]) == (True, False)
        assert (
            summary["created"],
            summary["updated"],
            summary["unchanged"],
            summary["failed"],
        ) == (1 + 1, 0, 0, 1)
        assert [o["action"] for o in summary["rows"]] == ["create", "create", "error"]
        assert summary["errors"] == [
            {"row": 4, "column": "数值", "message": summary["errors"][0]["message"]}
        ]
        assert await _values(c, inds[0]["id"]) == {}, "a dry run writes nothing"

        r = await _import(c, plan, filled, dry_run="false")
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "sheet_rows_invalid"
        assert r.json()["errors"][0]["field"] == "第4行·数值"
        assert await _values(c, inds[0]["id"]) == {}, "all or nothing"

        r = await _import(c, plan, filled, dry_run="false", mode="valid")
        assert r.status_code == 200, r.text
        assert (r.json()["written"], r.json()["created"], r.json()["failed"]) == (True, 2, 1)
        stored = await _values(c, inds[0]["id"])
        assert stored[(REGION, "2024")]["value"] == 78.9
        assert stored[(REGION, "2024")]["status"] == "submitted"
        assert (await _values(c, inds[1]["id"]))[(REGION, "2024")]["value"] == 9.8

        # The same file again changes nothing.
        ws.delete_rows(4)
        again = await _import(c, plan, _xlsx(wb), dry_run="false")
        assert again.status_code == 200, again.text
        assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
            0,
            0,
            2,
        )
        assert (await _values(c, inds[0]["id"]))[(REGION, "2024")]["version"] == stored[
            (REGION, "2024")
        ]["version"]


async def test_errors_name_row_and_column(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        plan, inds = await _plan_with_indicators(c, new_plan)
        r = await c.get("/api/v1/measurements/template", params={"plan_id": plan, "period": "2024"})
        wb = _sheet(r.content)
        ws = wb["数据"]
        col = _columns(ws)
        ws.cell(2, col["数值"], "七十八")  # not a number
        ws.cell(3, col["数值"], 5)
        ws.cell(3, col["统计期"], "2024年")  # not a period
        ws.cell(4, col["数值"], 120)  # ‰ above 1000? no: valid
        ws.cell(5, col["指标编号"], "99")  # no such indicator
        ws.cell(5, col["区划代码"], REGION)
        ws.cell(5, col["统计期"], "2024")
        ws.cell(5, col["数值"], 1)
        ws.cell(6, col["指标编号"], "3")  # outside the plan's region
        ws.cell(6, col["区划代码"], "360100")
        ws.cell(6, col["统计期"], "2024")
        ws.cell(6, col["数值"], 3)
        ws.cell(7, col["指标编号"], "3")  # the same key as row 4
        ws.cell(7, col["区划代码"], REGION)
        ws.cell(7, col["统计期"], "2024")
        ws.cell(7, col["数值"], 4)
        ws.cell(8, col["指标编号"], "1")  # a rate over 100? not a rate: unit 岁
        ws.cell(8, col["区划代码"], REGION)
        ws.cell(8, col["统计期"], "2023")
        ws.cell(8, col["数值"], -2)  # negative
        r = await _import(c, plan, _xlsx(wb))
        assert r.status_code == 200, r.text
        errors = {(e["row"], e["column"]) for e in r.json()["errors"]}
        assert errors == {
            (2, "数值"),
            (3, "统计期"),
            (5, "指标编号"),
            (6, "区划代码"),
            (7, "统计期"),
            (8, "数值"),
        }
        assert [o["action"] for o in r.json()["rows"]] == [
            "error",
            "error",
            "create",
            "error",
            "error",
            "error",
            "error",
        ]
        assert await _values(c, inds[2]["id"]) == {}


async def test_csv_in_gb18030_and_formula_text_round_trip(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        plan, inds = await _plan_with_indicators(c, new_plan)
        r = await c.get(
            "/api/v1/measurements/template",
            params={"plan_id": plan, "period": "2024", "format": "csv"},
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        header = [h.rstrip("*") for h in rows[0]]
        rows[1][header.index("数值")] = "80.1"
        rows[1][header.index("数据来源")] = '=HYPERLINK("http://x","点我")'
        buf = io.StringIO()
        csv.writer(buf).writerows(rows[:2])
        r = await _import(c, plan, buf.getvalue().encode("gb18030"), "值.csv", dry_run="false")
        assert r.status_code == 200, r.text
        assert r.json()["created"] == 1
        m = (await _values(c, inds[0]["id"]))[(REGION, "2024")]
        assert m["source"] == '=HYPERLINK("http://x","点我")', "stored as sent"

        r = await c.get("/api/v1/measurements/export", params={"plan_id": plan, "format": "csv"})
        exported = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert exported[1][header.index("数据来源")] == '\'=HYPERLINK("http://x","点我")'
        r = await c.get("/api/v1/measurements/export", params={"plan_id": plan})
        cell = _sheet(r.content)["数据"].cell(2, header.index("数据来源") + 1)
        assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
        # The export, imported back as it is, changes nothing.
        for name, content in (("e.csv", None), ("e.xlsx", r.content)):
            if content is None:
                content = (
                    await c.get(
                        "/api/v1/measurements/export", params={"plan_id": plan, "format": "csv"}
                    )
                ).content
            again = await _import(c, plan, content, name, dry_run="false")
            assert again.status_code == 200, again.text
            assert (again.json()["unchanged"], again.json()["created"]) == (1, 0)


async def test_unit_round_trip_records_two_corrections(
    new_plan, new_unit, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    unit = await new_unit(COUNTY, "county")
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        plan, inds = await _plan_with_indicators(c, new_plan)
        for ind in inds[:2]:
            r = await c.post(
                "/api/v1/indicator_grants",
                json={"unit_id": unit, "indicator_id": ind["id"], "region_code": COUNTY},
            )
            assert r.status_code == 201, r.text
        other = await measure(c, inds[2]["id"], "2023", 4.1, region=COUNTY)
    async with client_for(indicators, make_token("unit", unit_id=unit)) as u:
        for ind, v in ((inds[0], 78.0), (inds[1], 10.2)):
            await measure(u, ind["id"], "2023", v, region=COUNTY)
        r = await u.get("/api/v1/measurements/export", params={"plan_id": plan})
        assert r.status_code == 200, r.text
        wb = _sheet(r.content)
        ws = wb["数据"]
        col = _columns(ws)
        assert ws.max_row == 3, "only the unit's granted values, not the third indicator"
        ws.cell(2, col["数值"], 78.4)
        ws.cell(2, col["更正原因"], "统计局年报更正")
        ws.cell(3, col["数值"], 10.0)
        # Without a reason the correction is refused on that row and column.
        r = await _import(u, plan, _xlsx(wb), dry_run="false")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "第3行·更正原因"
        ws.cell(3, col["更正原因"], "漏报 2 例，已核实")
        r = await _import(u, plan, _xlsx(wb))
        assert (r.json()["updated"], r.json()["dry_run"]) == (2, True)
        assert r.json()["rows"][0]["changes"] == {"数值": ["78", "78.4"]}
        r = await _import(u, plan, _xlsx(wb), dry_run="false")
        assert r.status_code == 200 and r.json()["updated"] == 2, r.text
        for ind, old, new, reason in (
            (inds[0], 78, 78.4, "统计局年报更正"),
            (inds[1], 10.2, 10.0, "漏报 2 例，已核实"),
        ):
            m = (await _values(u, ind["id"]))[(COUNTY, "2023")]
            assert m["value"] == new
            r = await u.get(f"/api/v1/measurements/{m['id']}/corrections")
            [corr] = r.json()["items"]
            assert (corr["old_value"], corr["new_value"], corr["reason"]) == (old, new, reason)
        # A row for an indicator the unit is not granted is refused, not written.
        ws.cell(4, col["指标编号"], "3")
        ws.cell(4, col["区划代码"], COUNTY)
        ws.cell(4, col["统计期"], "2024")
        ws.cell(4, col["数值"], 3.9)
        r = await _import(u, plan, _xlsx(wb), dry_run="false", mode="valid")
        assert r.status_code == 200
        assert [e["row"] for e in r.json()["errors"]] == [4]
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        assert set(await _values(c, inds[2]["id"])) == {(COUNTY, "2023")}
        assert other["value"] == 4.1


async def test_wrong_file_and_missing_columns(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        plan, _ = await _plan_with_indicators(c, new_plan)
        r = await _import(c, plan, b"%PDF-1.4 not a sheet", "x.pdf")
        assert r.status_code == 415 and r.json()["code"] == "unsupported_sheet"
        r = await _import(c, plan, "指标编号,数值\r\n1,2\r\n".encode(), "x.csv")
        assert r.status_code == 422 and r.json()["code"] == "sheet_columns_missing"
        assert {e["message"] for e in r.json()["errors"]} == {"缺少列“区划代码”", "缺少列“统计期”"}
        r = await _import(c, plan, b"PK\x03\x04broken", "x.xlsx")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    async with client_for(indicators, make_token("leader", region_code=REGION)) as c:
        r = await _import(c, plan, b"", "x.csv")
        assert r.status_code == 403
