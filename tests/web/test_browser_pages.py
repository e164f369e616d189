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

SEED = Path(__file__).resolve().parents[2] / "deploy" / "seeds" / "001_1d96ae928440d7e2.txt"


def test_plans_scorecard_indicator_and_exports(
    browsing: Browsing, running_platform: RunningPlatform, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login(), timeout=120)
    planner = staff(running_platform, admin, "planner", region_code="360100")
    planner.http.timeout = httpx.Timeout(120)
    imported = ok(
        planner.http.post(
            "/api/v1/plans/import",
            params={"dry_run": "false", "create_missing_units": "true"},
            files={"file": ("plan.txt", SEED.read_bytes())},
        ),
        201,
    )
    plan = ok(planner.http.get(f"/api/v1/plans/{imported['plan_id']}"))

    page = browsing.page()
    sign_in(page, planner.name, PASSWORD)
    page.get_by_role("menuitem", name="规划与任务").click()
    page.get_by_label("标题包含").fill("新建区")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=plan["title"]).click()
    expect(page.get_by_role("heading", name=plan["title"])).to_be_visible()
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
    card.get_by_role("link", name=row["name"]).click()
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
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_role("cell", name="已审核")).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()
    shot(page, "indicator")
    measured = ok(
        planner.http.get("/api/v1/measurements", params={"indicator_id": row["indicator_id"]})
    )["items"]
    assert [(m["period"], m["status"]) for m in measured] == [("2024", "approved")]
    planner.close()
    admin.close()
