"""The sign-in page's "使用统一身份认证登录" button in a real browser: to the unified identity
platform (a CAS-protocol peer on loopback), back with a ticket, signed in with the right role."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from e2e.fixtures import CAS_PORT, RunningPlatform
from e2e.helpers import client, staff
from gateway.sso.peers import TicketPlatform
from playwright.sync_api import expect

from .conftest import Browsing, Shot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def platform_peer() -> Iterator[TicketPlatform]:
    peer = TicketPlatform(users={}, port=CAS_PORT)
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


def test_unified_identity_button_signs_a_leader_in(
    browsing: Browsing,
    running_platform: RunningPlatform,
    platform_peer: TicketPlatform,
    shot: Shot,
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    leader = staff(running_platform, admin, "leader")
    assert httpx.get(running_platform.gateway + "/api/v1/auth/providers").status_code == 200
    page = browsing.page()
    page.goto("/plans")
    expect(page).to_have_url(re.compile(r"/login\?next=/plans$"))
    button = page.get_by_role("link", name="使用统一身份认证登录", exact=True)
    expect(button).to_be_visible()
    shot(page, "login-with-sso")
    button.click()
    expect(page.get_by_role("button", name="登录统一身份认证平台")).to_be_visible()
    page.get_by_label("用户名").fill(leader.name)
    page.get_by_role("button", name="登录统一身份认证平台").click()
    expect(page).to_have_url(re.compile(r"/plans$"))
    expect(page.get_by_test_id("whoami")).to_be_visible()
    assert "sso_code" not in page.url
    shot(page, "signed-in-with-sso")
