"""The supervision loop's pages in headless Chromium, on the platform as real processes.

On the phone page the unit signs for its task (签收) and asks for an extension; the planner
grants it and raises a 督办单; the unit answers it on the phone; in the console staff close it
on the 督办单 page and issue a bulletin on the 通报 page, whose ranking names the unit.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from e2e.fixtures import RunningPlatform
from e2e.helpers import client, create_unit, ok, uniq
from playwright.sync_api import Page, expect

from dudao_shared.clock import LOCAL_TZ

from .conftest import Browsing, Shot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REGION = "360121"  # 南昌县


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_sign_extend_answer_close_bulletin(
    running_platform: RunningPlatform, browsing: Browsing, shot: Shot
) -> None:
    today = dt.datetime.now(LOCAL_TZ).date()
    admin = client(running_platform.gateway, running_platform.login())
    unit = create_unit(admin, uniq("县妇幼保健院"), REGION)
    title = uniq("提升妇幼健康服务能力")
    plan = ok(
        admin.post(
            "/api/v1/plans",
            json={
                "title": uniq("妇幼健康行动计划"),
                "level": "county",
                "region_code": REGION,
                "items": [
                    {
                        "code": "1",
                        "kind": "task",
                        "title": title,
                        "deadlines": [{"due_on": (today + dt.timedelta(days=5)).isoformat()}],
                    }
                ],
                "assignments": [{"code": "1", "unit_id": unit["id"], "role": "lead"}],
            },
        ),
        201,
    )
    assignment = ok(admin.get("/api/v1/assignments", params={"plan_id": plan["id"]}))["items"][0]
    issued = ok(
        admin.post("/api/v1/unit_tokens", json={"unit_id": unit["id"], "label": "browser"}), 201
    )

    # --- The unit on its phone: 签收 and 延期申请 -----------------------------------------------
    phone = browsing.page(phone=True)
    phone.goto(f"{running_platform.gateway}/h5/#t={issued['token']}")
    phone.get_by_test_id("h5-task").filter(has_text=title).click()
    phone.get_by_test_id("h5-ack").click()
    expect(phone.get_by_test_id("h5-acked")).to_be_visible()
    expect(phone.get_by_test_id("h5-ack")).to_have_count(0)
    wanted = (today + dt.timedelta(days=40)).isoformat()
    phone.get_by_test_id("h5-ext-date").locator("input").fill(wanted)
    phone.get_by_test_id("h5-ext-reason").locator("textarea").fill("设备采购招标延后")
    phone.get_by_test_id("h5-ext-send").click()
    expect(phone.get_by_test_id("h5-extension")).to_contain_text("待审批")
    shot(phone, "h5-extension-requested")

    # The planner grants it and raises a 督办单 (through the API).
    req = ok(admin.get("/api/v1/extension_requests", params={"assignment_id": assignment["id"]}))[
        "items"
    ][0]
    ok(
        admin.post(
            f"/api/v1/extension_requests/{req['id']}/decision",
            json={"decision": "approve", "reason": "同意延期"},
            headers={"If-Match": f'"{req["version"]}"'},
        )
    )
    notice = ok(
        admin.post(
            f"/api/v1/assignments/{assignment['id']}/supervision_notices",
            json={"reason": "请报送设备采购进展"},
        ),
        201,
    )

    # --- The unit sees the new deadline and answers the 督办单 -------------------------------
    phone.reload()
    expect(phone.get_by_test_id("h5-extension")).to_contain_text("已批准")
    expect(phone.get_by_test_id("h5-due")).to_contain_text("已延期")
    expect(phone.get_by_test_id("h5-notice")).to_contain_text(notice["title"])
    phone.get_by_test_id("h5-notice-text").locator("textarea").fill("招标已完成，合同已签订")
    phone.get_by_test_id("h5-notice-send").click()
    expect(phone.get_by_test_id("h5-notice")).to_contain_text("已反馈")
    shot(phone, "h5-notice-answered")

    # --- Staff close it in the console and issue a bulletin -----------------------------------
    desk = browsing.page()
    sign_in(desk, "admin", running_platform.admin_password)
    desk.get_by_role("menuitem", name="督办单").click()
    row = desk.get_by_test_id("notices").get_by_role("row", name=re.compile(notice["title"]))
    expect(row).to_contain_text("已反馈")
    row.get_by_role("button", name="办结").click()
    expect(
        desk.get_by_test_id("notices").get_by_role("row", name=re.compile(notice["title"]))
    ).to_contain_text("已办结")
    shot(desk, "supervision-notices")

    desk.get_by_role("menuitem", name="通报").click()
    desk.get_by_role("combobox", name="规划").click()
    desk.get_by_role("combobox", name="规划").fill(plan["title"])
    desk.get_by_role("option", name=plan["title"]).click()
    desk.get_by_test_id("issue-bulletin").click()
    bulletin = desk.get_by_test_id("bulletin")
    expect(bulletin).to_contain_text(plan["title"])
    expect(desk.get_by_test_id("ranking")).to_contain_text(unit["name"])
    shot(desk, "bulletin")
    admin.close()
