"""The 评估 page in headless Chromium, on the platform (and its worker) as real processes: staff
create a 中期评估 of a plan, see its task counts and unit ranking, edit the narrative, issue it,
have the PDF made by the worker while the page shows its progress, and download it."""

from __future__ import annotations

import re

import pytest
from e2e.fixtures import RunningPlatform
from e2e.helpers import client, create_unit, ok, uniq
from playwright.sync_api import expect

from .conftest import Browsing, Shot
from .test_browser_supervision import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REGION = "360123"  # 安义县
NARRATIVE = "经核查，两项任务中一项已按时完成，另一项逾期未完成，已督促整改。"


def test_create_issue_render_download(
    running_platform: RunningPlatform, browsing: Browsing, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    units = [create_unit(admin, uniq(f"县卫生健康单位{n}"), REGION) for n in range(2)]
    plan = ok(
        admin.post(
            "/api/v1/plans",
            json={
                "title": uniq("安义县卫生健康评估计划"),
                "level": "county",
                "region_code": REGION,
                "items": [
                    {"code": "一", "kind": "section", "title": "重点任务"},
                    {
                        "code": "一.1",
                        "kind": "task",
                        "title": "建设县域医共体",
                        "deadlines": [{"due_on": "2025-06-30"}],
                    },
                    {"code": "一.2", "kind": "task", "title": "提升基层服务能力"},
                ],
                "assignments": [
                    {"code": "一.1", "unit_id": units[0]["id"], "role": "lead"},
                    {"code": "一.2", "unit_id": units[1]["id"], "role": "lead"},
                ],
            },
        ),
        201,
    )

    desk = browsing.page()
    sign_in(desk, "admin", running_platform.admin_password)
    desk.get_by_role("menuitem", name="评估").click()
    expect(desk).to_have_url(re.compile(r"/evaluations$"))
    desk.get_by_role("combobox", name="规划").click()
    desk.get_by_role("combobox", name="规划").fill(plan["title"])
    desk.get_by_role("option", name=plan["title"]).click()
    desk.get_by_test_id("evaluation-kind").click()
    desk.get_by_role("option", name="中期评估").click()
    desk.get_by_placeholder("默认今天").fill("2025-12-31")
    desk.get_by_placeholder("默认今天").press("Enter")
    desk.get_by_test_id("create-evaluation").click()

    card = desk.get_by_test_id("evaluation")
    expect(card).to_contain_text(f"{plan['title']}2025年中期评估")
    expect(card).to_contain_text("中期评估")
    expect(desk.get_by_test_id("evaluation-status")).to_have_text("草稿")
    totals = desk.get_by_test_id("task-totals")
    expect(totals.locator("td", has_text=re.compile(r"^2$")).first).to_be_visible()
    expect(desk.get_by_test_id("units")).to_contain_text(units[0]["name"])
    expect(desk.get_by_test_id("units")).to_contain_text(units[1]["name"])
    expect(desk.get_by_role("img", name="责任单位得分排名")).to_be_visible()
    expect(desk.get_by_test_id("evaluations")).to_contain_text("中期评估")
    shot(desk, "evaluation-draft")

    desk.get_by_label("报告正文").fill(NARRATIVE)
    desk.get_by_test_id("save-narrative").click()
    expect(desk.get_by_text("正文已保存")).to_be_visible()
    desk.get_by_test_id("issue-evaluation").click()
    expect(desk.get_by_test_id("evaluation-status")).to_contain_text("已签发")
    expect(desk.get_by_test_id("issue-evaluation")).to_have_count(0)

    # Issuing queued the PDF and the workbook; the worker makes them and the page follows
    # their progress to the end without being asked.
    expect(desk.get_by_test_id("render-pdf-state")).to_contain_text("已完成", timeout=180_000)
    expect(desk.get_by_test_id("render-xlsx-state")).to_contain_text("已完成", timeout=180_000)
    shot(desk, "evaluation-issued-rendered")
    with desk.expect_download() as download:
        desk.get_by_test_id("download-pdf").click()
    assert download.value.suggested_filename == f"{plan['title']}2025年中期评估.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF")

    # What the page did, read back through the API.
    listed = ok(admin.get("/api/v1/evaluations", params={"plan_id": plan["id"]}))["items"]
    assert len(listed) == 1
    ev = ok(admin.get(f"/api/v1/evaluations/{listed[0]['id']}"))
    assert (ev["status"], ev["kind"], ev["as_of"]) == ("issued", "midterm", "2025-12-31")
    assert ev["narrative"] == NARRATIVE
    assert ev["data"]["tasks"]["total"] == 2 and ev["data"]["tasks"]["overdue"] == 1
    render = ok(admin.get(f"/api/v1/evaluations/{ev['id']}/render/pdf"))
    assert (render["state"], render["progress"], render["current"]) == ("done", 100, True)
    admin.close()
