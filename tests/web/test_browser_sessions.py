"""Sessions in the browser: a staff access token that lapses is renewed with the refresh token
without the user noticing; a unit token's link signs the phone page in, and its revocation
signs it out with a message in Chinese."""

from __future__ import annotations

import re

import pytest
from e2e.fixtures import RunningPlatform
from e2e.helpers import PASSWORD, client, create_unit, issue_unit_token, staff, uniq
from playwright.sync_api import expect

from .conftest import Browsing, Shot
from .test_browser_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_lapsed_access_token_is_renewed_with_the_refresh_token(
    browsing: Browsing, running_platform: RunningPlatform, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    leader = staff(running_platform, admin, "leader", region_code="360100")
    page = browsing.page()
    sign_in(page, leader.name, PASSWORD)
    before = page.evaluate("JSON.parse(localStorage.getItem('dudao.console.session'))")
    # As if fifteen minutes had passed: the gateway refuses the access token.
    page.evaluate(
        "s => localStorage.setItem('dudao.console.session', JSON.stringify(s))",
        {**before, "access_token": before["access_token"][:-8] + "AAAAAAAA"},
    )
    page.goto("/plans")
    expect(page.get_by_role("heading", name="规划与任务")).to_be_visible()
    expect(
        page.get_by_text("没有符合条件的规划").or_(page.locator("tbody tr").first)
    ).to_be_visible()
    after = page.evaluate("JSON.parse(localStorage.getItem('dudao.console.session'))")
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]  # rotated on use
    expect(page).to_have_url(re.compile(r"/plans$"))
    shot(page, "renewed")
    leader.close()
    admin.close()


def test_a_revoked_unit_token_signs_the_phone_page_out(
    browsing: Browsing, running_platform: RunningPlatform, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    unit = create_unit(admin, uniq("县妇幼保健院"), "360121")
    issued = issue_unit_token(admin, unit["id"])
    phone = browsing.page(phone=True)
    phone.goto(f"/h5/#t={issued['token']}")
    expect(phone.get_by_role("navigation").or_(phone.get_by_text("我的任务")).first).to_be_visible()
    expect(phone.get_by_text("这里没有任务")).to_be_visible()
    shot(phone, "signed-in")

    assert admin.delete(f"/api/v1/unit_tokens/{issued['id']}").status_code in (200, 204)
    phone.reload()
    expect(phone.get_by_test_id("h5-problem")).to_contain_text("已被撤销")
    shot(phone, "revoked")

    # Without a link at all, the page says how to get one.
    fresh = browsing.page(phone=True)
    fresh.goto("/h5/")
    expect(fresh.get_by_test_id("h5-problem")).to_contain_text("单位令牌链接或二维码")
    admin.close()
