"""The console in a real browser: the gateway URL shows it, sign-in, wrong password, sign-out."""

from __future__ import annotations

import re

import pytest
from e2e.fixtures import RunningPlatform
from playwright.sync_api import expect

from .conftest import Browsing, Shot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_gateway_url_opens_the_console_and_a_planner_signs_in_and_out(
    browsing: Browsing, running_platform: RunningPlatform, shot: Shot
) -> None:
    page = browsing.page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/dashboard$"))
    expect(page.get_by_role("heading", name="督导平台")).to_be_visible()
    shot(page, "login")

    # The form validates before sending anything.
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("请输入账号")).to_be_visible()

    page.get_by_label("账号").fill("admin")
    page.get_by_label("密码", exact=True).fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("用户名或密码错误")
    shot(page, "login-refused")

    page.get_by_label("密码", exact=True).fill(running_platform.admin_password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_test_id("whoami")).to_contain_text("管理员")
    expect(page.get_by_role("heading", name="总览")).to_be_visible()
    shot(page, "dashboard")

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login"))
    # Signed out means signed out: the console's pages send us back to the sign-in page.
    page.goto("/plans")
    expect(page).to_have_url(re.compile(r"/login\?next=/plans$"))
