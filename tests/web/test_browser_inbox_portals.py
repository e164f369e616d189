"""The inbox and the portals settings in headless Chromium, on the platform as real processes.

A unit officer finds a 催办 in the phone page's 消息 tab (badge, list) and opens its task; a
planner reads the extension requests waiting in the console's 通知待办, decides one there and
marks the rest read; an admin discloses a plan on 门户与集成 and the public feed then lists it
(the page also shows the gateway's sign-in linking rule); an admin registers a webhook
receiver and sees its signing secret once.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import httpx
import pytest
from e2e.fixtures import OIDC_PORT, RunningPlatform
from e2e.helpers import PASSWORD, client, create_unit, ok, staff, uniq, unit_actor
from playwright.sync_api import Page, expect

from dudao_shared.clock import LOCAL_TZ

from .conftest import Browsing, Shot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REGION = "360121"  # 南昌县
CITY = "360100"  # 南昌市, the planner's region


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def make_plan(http: httpx.Client, unit_id: str, titles: list[str]) -> dict[str, Any]:
    due = (dt.datetime.now(LOCAL_TZ).date() + dt.timedelta(days=20)).isoformat()
    return ok(
        http.post(
            "/api/v1/plans",
            json={
                "title": uniq("卫生健康服务行动计划"),
                "level": "county",
                "region_code": REGION,
                "items": [
                    {"code": str(i), "kind": "task", "title": t, "deadlines": [{"due_on": due}]}
                    for i, t in enumerate(titles, 1)
                ],
                "assignments": [
                    {"code": str(i), "unit_id": unit_id, "role": "lead"}
                    for i in range(1, len(titles) + 1)
                ],
            },
        ),
        201,
    )


def assignments_of(http: httpx.Client, plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rows = ok(http.get("/api/v1/assignments", params={"plan_id": plan["id"]}))["items"]
    return {a["task_title"]: a for a in rows}


def test_unit_sees_a_reminder_in_messages_and_opens_it(
    running_platform: RunningPlatform, browsing: Browsing, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    unit = create_unit(admin, uniq("县人民医院"), REGION)
    other = create_unit(admin, uniq("县中医院"), REGION)
    title = uniq("建设胸痛救治单元")
    plan = make_plan(admin, unit["id"], [title])
    (assignment,) = assignments_of(admin, plan).values()
    # The same plan's task for another unit, urged too: the unit's inbox must not show it.
    other_plan = make_plan(admin, other["id"], [uniq("另一单位的任务")])
    (other_assignment,) = assignments_of(admin, other_plan).values()
    for a, message in ((assignment, "请本周内报送建设进展"), (other_assignment, "别的单位")):
        ok(
            admin.post(
                f"/api/v1/assignments/{a['id']}/urges",
                json={"message": message},
                headers={"Idempotency-Key": uniq("urge")},
            ),
            201,
        )
    issued = ok(
        admin.post("/api/v1/unit_tokens", json={"unit_id": unit["id"], "label": "browser"}), 201
    )

    phone = browsing.page(phone=True)
    phone.goto(f"{running_platform.gateway}/h5/#t={issued['token']}")
    tab = phone.get_by_test_id("h5-messages-tab")
    expect(tab.locator(".van-badge")).to_have_text("1")
    shot(phone, "h5-badge")
    tab.click()
    expect(phone).to_have_url(re.compile(r"/h5/messages$"))
    messages = phone.get_by_test_id("h5-message")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text(f"催办：{title}")
    expect(messages.first).to_contain_text("请本周内报送建设进展")
    expect(messages.first).to_have_attribute("data-unread", "true")
    shot(phone, "h5-messages")

    messages.first.click()
    expect(phone).to_have_url(re.compile(rf"/h5/a/{assignment['id']}$"))
    expect(phone.locator("body")).to_contain_text(title)
    shot(phone, "h5-opened")

    # Read now: the badge is gone on the list and the notice carries its read time.
    phone.get_by_text("我的任务", exact=True).click()
    expect(phone.get_by_test_id("h5-task").filter(has_text=title)).to_be_visible()
    expect(phone.get_by_test_id("h5-messages-tab").locator(".van-badge")).to_have_count(0)
    pair = ok(
        httpx.post(
            running_platform.gateway + "/api/v1/auth/unit_token", json={"token": issued["token"]}
        )
    )
    with client(running_platform.gateway, pair["access_token"]) as unit_http:
        inbox = ok(unit_http.get("/api/v1/notices"))["items"]
        assert [n["assignment_id"] for n in inbox] == [assignment["id"]]
        assert inbox[0]["read_at"] is not None
        assert ok(unit_http.get("/api/v1/notices/unread_count")) == {"unread": 0}
    admin.close()


def test_planner_reads_and_marks_notices(
    running_platform: RunningPlatform, browsing: Browsing, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    planner = staff(running_platform, admin, "planner", region_code=CITY)
    unit = create_unit(admin, uniq("县疾控中心"), REGION)
    first, second = uniq("完善传染病监测预警"), uniq("建设公共卫生实验室")
    plan = make_plan(planner.http, unit["id"], [first, second])
    by_title = assignments_of(planner.http, plan)
    officer = unit_actor(running_platform, admin, unit)
    wanted = (dt.datetime.now(LOCAL_TZ).date() + dt.timedelta(days=60)).isoformat()
    for t in (first, second):
        ok(
            officer.http.post(
                f"/api/v1/assignments/{by_title[t]['id']}/extension_requests",
                json={"requested_due_on": wanted, "reason": f"{t} 招标延后"},
            ),
            201,
        )

    desk = browsing.page()
    sign_in(desk, planner.name, PASSWORD)
    expect(desk.get_by_test_id("inbox-badge")).to_contain_text("2")
    desk.get_by_test_id("menu-inbox").click()
    expect(desk).to_have_url(re.compile(r"/inbox$"))
    table = desk.get_by_test_id("inbox")
    row_first = table.get_by_role("row", name=re.compile(f"延期申请：{first}"))
    row_second = table.get_by_role("row", name=re.compile(f"延期申请：{second}"))
    expect(row_first).to_contain_text("未读")
    expect(row_second).to_contain_text("未读")
    shot(desk, "inbox-unread")

    # Opening one marks it read and shows the request, decided in place.
    row_first.get_by_role("button", name="查看").click()
    dialog = desk.get_by_test_id("extension-dialog")
    expect(dialog).to_contain_text(f"{first} 招标延后")
    expect(dialog).to_contain_text("待审批")
    dialog.get_by_role("button", name="批准", exact=True).click()
    desk.locator(".el-message-box").get_by_role("button", name="确定").click()
    expect(dialog).to_contain_text("已批准")
    shot(desk, "inbox-extension-approved")
    dialog.locator(".el-dialog__headerbtn").click()
    expect(row_first).to_contain_text("已读")
    expect(desk.get_by_test_id("inbox-badge")).to_contain_text("1")

    # The unread filter leaves the other; 全部标为已读 clears it and the badge.
    desk.locator(".el-radio-button", has_text="未读").click()
    expect(table.get_by_role("row", name=re.compile("延期申请"))).to_have_count(1)
    desk.get_by_test_id("read-all").click()
    expect(table).to_contain_text("没有通知")
    expect(desk.get_by_test_id("inbox-badge")).to_have_count(0)
    shot(desk, "inbox-all-read")

    assert ok(planner.http.get("/api/v1/notices/unread_count")) == {"unread": 0}
    decided = ok(
        planner.http.get(
            "/api/v1/extension_requests", params={"assignment_id": by_title[first]["id"]}
        )
    )["items"]
    assert [x["status"] for x in decided] == ["approved"]
    pending = ok(
        planner.http.get(
            "/api/v1/extension_requests", params={"assignment_id": by_title[second]["id"]}
        )
    )["items"]
    assert [x["status"] for x in pending] == ["pending"]
    officer.close()
    planner.close()
    admin.close()


def public_plan_ids(gateway: str) -> set[str]:
    ids: set[str] = set()
    cursor: str | None = None
    with httpx.Client(base_url=gateway) as http:
        while True:
            params: dict[str, Any] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = ok(http.get("/public/v1/plans", params=params))
            ids.update(p["id"] for p in page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return ids


def test_admin_publishes_a_plan_and_the_feed_lists_it(
    running_platform: RunningPlatform, browsing: Browsing, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    unit = create_unit(admin, uniq("县卫健委"), REGION)
    plan = make_plan(admin, unit["id"], [uniq("推进紧密型县域医共体建设")])
    path = f"/api/v1/plans/{plan['id']}"
    ok(
        admin.patch(
            path,
            json={"status": "published"},
            headers={"If-Match": admin.get(path).headers["etag"]},
        )
    )
    assert plan["id"] not in public_plan_ids(running_platform.gateway)

    desk = browsing.page()
    sign_in(desk, "admin", running_platform.admin_password)
    desk.get_by_role("menuitem", name="门户与集成").click()
    desk.get_by_label("规划标题").fill(plan["title"])
    desk.get_by_label("规划标题").press("Enter")
    row = desk.get_by_test_id("portal-plans").get_by_role("row", name=re.compile(plan["title"]))
    expect(row).to_contain_text("已发布")
    row.get_by_test_id("disclose").click()
    box = desk.locator(".el-message-box")
    expect(box).to_contain_text("不含人员姓名")
    box.get_by_role("button", name="公开").click()
    expect(row.get_by_role("switch")).to_be_checked()
    row.get_by_role("button", name="查看").click()
    drawer = desk.get_by_test_id("feed-drawer")
    expect(drawer).to_contain_text(plan["title"])
    expect(drawer).to_contain_text("南昌县")
    shot(desk, "portal-plan-published")
    desk.keyboard.press("Escape")
    # The gateway's outside sign-in configuration, read only: the platform links by username.
    settings = desk.get_by_test_id("sso-settings")
    expect(settings).to_contain_text("按用户名")
    expect(settings).to_contain_text(f"http://127.0.0.1:{OIDC_PORT}")

    # The feed answers from a cache of a few seconds: wait out an older copy of the list.
    deadline = time.monotonic() + 30
    while plan["id"] not in public_plan_ids(running_platform.gateway):
        assert time.monotonic() < deadline, "the published plan never reached the public feed"
        time.sleep(1)
    assert ok(admin.get(path))["disclosed"] is True
    admin.close()


def test_admin_creates_a_webhook_subscription_and_sees_the_secret_once(
    running_platform: RunningPlatform, browsing: Browsing, shot: Shot
) -> None:
    desk = browsing.page()
    sign_in(desk, "admin", running_platform.admin_password)
    desk.get_by_role("menuitem", name="门户与集成").click()
    name = uniq("赣服通分厅")
    desk.get_by_test_id("new-subscription").click()
    desk.get_by_test_id("sub-name").fill(name)
    desk.get_by_test_id("sub-url").fill("http://127.0.0.1:9/hooks/portal")
    desk.locator(".el-checkbox", has_text="任务状态变化").click()
    desk.get_by_test_id("sub-save").click()

    shown = desk.get_by_test_id("secret-once")
    expect(shown).to_have_value(re.compile(r"^whsec_"))
    secret = shown.input_value()
    expect(desk.get_by_text("密钥只显示这一次")).to_be_visible()
    shot(desk, "subscription-secret")
    desk.get_by_test_id("secret-done").click()

    row = desk.get_by_test_id("subscriptions").get_by_role("row", name=re.compile(name))
    expect(row).to_contain_text("http://127.0.0.1:9/hooks/portal")
    expect(row).to_contain_text("规划公开")
    expect(row).to_contain_text("任务状态变化")
    assert secret not in desk.content()
    desk.reload()
    expect(row).to_be_visible()
    assert secret not in desk.content()

    admin = client(running_platform.gateway, running_platform.login())
    listed = [s for s in ok(admin.get("/api/v1/subscriptions"))["items"] if s["name"] == name]
    assert len(listed) == 1 and "secret" not in listed[0]
    assert sorted(listed[0]["events"]) == ["plan.published", "task.state_changed"]

    row.get_by_role("button", name="投递记录").click()
    expect(desk.get_by_test_id("deliveries-drawer")).to_contain_text("投递记录")
    desk.keyboard.press("Escape")
    # Removed again, so later tests' events do not queue deliveries to a closed port.
    row.get_by_role("button", name="删除").click()
    desk.locator(".el-message-box").get_by_role("button", name="删除").click()
    expect(row).to_have_count(0)
    assert all(s["name"] != name for s in ok(admin.get("/api/v1/subscriptions"))["items"])
    admin.close()
