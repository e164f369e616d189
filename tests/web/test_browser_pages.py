"""The console's other screens in Chromium: plans with filters and cursor pages, a plan's tree
filtered by light, the indicator scorecard, an indicator's chart with a measurement entered and
approved, and the 台账 export."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from e2e.fixtures import RunningPlatform
from e2e.helpers import PASSWORD, client, ok, staff
from playwright.sync_api import expect

from .conftest import Browsing, Shot
from .test_browser_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# 宜春市“十四五”卫生健康发展规划: tasks, and a table of indicators with targets.
SEED = Path(__file__).resolve().parents[2] / "deploy" / "seeds" / "002_dfb8ccd5e9df308d.txt"


def import_once(http: httpx.Client, document: bytes) -> str:
    """The plan of this document: imported now, or earlier by another test on this platform."""
    r = http.post(
        "/api/v1/plans/import",
        params={"dry_run": "false", "create_missing_units": "true"},
        files={"file": ("plan.txt", document)},
    )
    if r.status_code == 409:
        preview = ok(http.post("/api/v1/plans/import", files={"file": ("plan.txt", document)}))
        return str(preview["duplicate_of"])
    return str(ok(r, 201)["plan_id"])


def test_plans_scorecard_indicator_and_exports(
    browsing: Browsing, running_platform: RunningPlatform, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login(), timeout=120)
    planner = staff(running_platform, admin, "planner", region_code="360900")
    planner.http.timeout = httpx.Timeout(120)
    plan_id = import_once(planner.http, SEED.read_bytes())
    plan = ok(planner.http.get(f"/api/v1/plans/{plan_id}"))

    page = browsing.page()
    sign_in(page, planner.name, PASSWORD)
    page.get_by_role("menuitem", name="规划与任务").click()
    page.get_by_label("标题包含").fill("宜春")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("link", name=plan["title"], exact=True)).to_be_visible()
    shot(page, "plans")
    page.get_by_role("link", name=plan["title"], exact=True).click()
    expect(page.get_by_role("heading", name=plan["title"], exact=True)).to_be_visible()
    tree = page.get_by_test_id("task-tree")
    tasks = ok(planner.http.get(f"/api/v1/plans/{plan['id']}/tasks", params={"limit": 500}))[
        "items"
    ]
    expect(tree.locator("a")).to_have_count(len(tasks))
    shot(page, "plan-tree")

    # The dashboard's click-through lands on the plan filtered by light.
    lights = ok(planner.http.get(f"/api/v1/plans/{plan['id']}/lights"))["counts"]
    page.goto(f"/plans/{plan['id']}?light=yellow")
    expect(page.get_by_role("radio", name="黄灯")).to_be_checked()
    yellow = lights.get("yellow", 0)
    rows = page.locator(".el-table__body-wrapper tbody tr")
    if yellow:
        expect(rows).to_have_count(yellow)
    else:
        expect(page.get_by_text("没有黄灯任务")).to_be_visible()
    shot(page, "plan-yellow")

    # The plan's units, a page at a time, red first.
    summary = ok(planner.http.get(f"/api/v1/plans/{plan['id']}/lights"))
    first = ok(planner.http.get(f"/api/v1/plans/{plan['id']}/lights/units"))["items"]
    page.get_by_role("tab", name=f"责任单位（{summary['units_total']}）").click()
    table = page.get_by_test_id("plan-units")
    if first:
        expect(table.locator("tbody tr")).to_have_count(len(first))
        expect(table.locator("tbody tr").first).to_contain_text(first[0]["unit_name"])
    else:
        expect(table.get_by_text("还没有分工")).to_be_visible()
    shot(page, "plan-units")

    with page.expect_download() as ledger:
        page.get_by_role("button", name="导出台账").click()
    assert ledger.value.suggested_filename.endswith("台账.xlsx")
    assert ledger.value.path().read_bytes()[:2] == b"PK"  # an .xlsx is a zip

    page.get_by_role("button", name="指标记分卡").click()
    card = page.get_by_test_id("scorecard")
    scorecard = ok(planner.http.get(f"/api/v1/scorecards/{plan['id']}"))
    expect(card.locator(".el-table__body-wrapper tbody tr.el-table__row")).to_have_count(
        len(scorecard["rows"])
    )
    expect(card).to_contain_text("数据不足")
    shot(page, "scorecard")

    row = next(r for r in scorecard["rows"] if r["target_value"] is not None)
    card.get_by_role("link", name=row["name"], exact=True).first.click()
    expect(page.get_by_role("heading", name=row["name"])).to_be_visible()
    page.get_by_role("button", name="填报监测值").click()
    dialog = page.get_by_role("dialog", name="填报监测值")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog.get_by_text("请填写统计期")).to_be_visible()
    dialog.get_by_label("统计期").fill("2024")
    dialog.get_by_label("监测值").fill(str(row["target_value"]))
    dialog.get_by_label("说明").fill("按年度统计报表")
    dialog.get_by_role("button", name="保存").click()
    expect(page.get_by_role("cell", name="已报送")).to_be_visible()
    # Four eyes: whoever entered the value may not approve it, so a second planner of the
    # region opens the same indicator and approves it there.
    reviewer = staff(running_platform, admin, "planner", region_code="360900")
    indicator_url = page.url
    page = browsing.page()
    sign_in(page, reviewer.name, PASSWORD)
    page.goto(indicator_url)
    expect(page.get_by_role("cell", name="已报送")).to_be_visible()
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_role("cell", name="已审核")).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()
    shot(page, "indicator")
    measured = ok(
        planner.http.get("/api/v1/measurements", params={"indicator_id": row["indicator_id"]})
    )["items"]
    mine = [
        m for m in measured if m["period"] == "2024" and m["region_code"] == plan["region_code"]
    ]
    assert [m["status"] for m in mine] == ["approved"]
    planner.close()
    reviewer.close()
    admin.close()
