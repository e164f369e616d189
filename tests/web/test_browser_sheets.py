"""The console's 表格导入导出 page in Chromium: a planner uploads a filled unit template, reads
the dry run row by row (one row with an error named by its column), imports only the valid
rows, and the new units are there."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest
from e2e.fixtures import RunningPlatform
from e2e.helpers import PASSWORD, client, ok, staff
from playwright.sync_api import expect

from .conftest import Browsing, Shot
from .test_browser_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_unit_sheet_dry_run_and_import(
    browsing: Browsing, running_platform: RunningPlatform, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login(), timeout=60)
    planner = staff(running_platform, admin, "planner", region_code="360100")
    template = planner.http.get("/api/v1/units/template")
    assert template.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    ws = wb["数据"]
    tag = uuid.uuid4().hex[:4]
    ws.append([f"区卫健委{tag}", None, None, "县级", "360112"])
    ws.append([f"区医保局{tag}", None, None, "县级", "360112"])
    ws.append([f"区档案馆{tag}", None, None, "镇级", "360112"])
    buf = io.BytesIO()
    wb.save(buf)

    page = browsing.page()
    sign_in(page, planner.name, PASSWORD)
    page.get_by_role("menuitem", name="表格导入导出").click()
    expect(page.get_by_role("heading", name="表格导入导出")).to_be_visible()
    page.get_by_label("选择表格文件").set_input_files(
        files=[
            {"name": "单位.xlsx", "mimeType": "application/octet-stream", "buffer": buf.getvalue()}
        ]
    )
    page.get_by_role("button", name="预检").click()
    summary = page.get_by_test_id("sheet-summary")
    expect(summary).to_contain_text("新建 2")
    expect(summary).to_contain_text("有错 1")
    expect(summary).to_contain_text("尚未写入")
    expect(page.get_by_text("层级：层级应为")).to_be_visible()
    shot(page, "sheet-dry-run")
    assert ok(planner.http.get("/api/v1/units", params={"q": tag}))["items"] == []
    page.get_by_role("button", name="只导入正确的 2 行").click()
    expect(summary).to_contain_text("已写入")
    shot(page, "sheet-imported")
    names = {u["name"] for u in ok(planner.http.get("/api/v1/units", params={"q": tag}))["items"]}
    assert names == {f"区卫健委{tag}", f"区医保局{tag}"}
