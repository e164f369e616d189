"""The province's ticket sign-on against a peer speaking the CAS ticket protocol over HTTP:
redirect with the service URL, ticket back, server-side validation, attributes, the linking
rule; and every ticket that must not sign anyone in (figures: accepted/tried)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from dudao_gateway.config import Settings
from dudao_gateway.main import Gateway
from gateway.sso.flows import PASSWORD, gateway_client, gateway_with
from gateway.sso.peers import GATEWAY, TicketPlatform, free_port, query_of

SERVICE = GATEWAY + "/api/v1/auth/ticket/callback"


@pytest.fixture(scope="module")
def people() -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    return {"planner": f"tk-planner-{tag}", "leader": f"tk-leader-{tag}"}


@pytest.fixture(scope="module")
def platform(people: dict[str, str]) -> Iterator[TicketPlatform]:
    peer = TicketPlatform(
        users={
            # The platform's own user ids; the staff number is the account's username here.
            "jx-0001": {"staff_no": people["planner"], "name": "张三", "mobile": "13800138000"},
            "jx-0002": {"staff_no": people["leader"], "name": "李四"},
            "jx-0003": {"staff_no": "nobody-here", "name": "王五"},
        },
        ttl=30,
    )
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


def ticket_settings(base: Settings, peer: TicketPlatform, **kw: Any) -> Settings:
    return base.model_copy(
        update={
            "ticket_login_url": peer.base + "/login",
            "ticket_validate_url": peer.base + "/serviceValidate",
            "ticket_service_url": SERVICE,
            "sso_link_by": "claim:staff_no",
            **kw,
        }
    )


@pytest.fixture
async def gw(
    gateway_settings: Settings, platform: TicketPlatform, people: dict[str, str]
) -> AsyncIterator[Gateway]:
    async with gateway_with(ticket_settings(gateway_settings, platform), people) as app:
        yield app


async def sign_in_at_platform(app: Gateway, user: str) -> tuple[httpx.Response, str]:
    """Login at the gateway → the platform's page (the person signs in as ``user``) → back to the
    gateway's callback with the ticket. Returns the callback's answer and its URL."""
    async with gateway_client(app) as gw, httpx.AsyncClient(timeout=10) as browser:
        start = await gw.get("/api/v1/auth/ticket/login", params={"return_to": "/plans"})
        assert start.status_code == 302, start.text
        login = start.headers["location"]
        assert query_of(login)["service"].startswith(SERVICE + "?state=")
        # (httpx's params= would replace the query, service included)
        at_platform = await browser.get(f"{login}&{urlencode({'user': user})}")
        assert at_platform.status_code == 302
        back = at_platform.headers["location"]
        assert back.startswith(SERVICE)
        return await gw.get(back.removeprefix(GATEWAY)), back


async def test_ticket_sign_in_lands_with_the_right_role(gw: Gateway) -> None:
    for user, role in (("jx-0001", "planner"), ("jx-0002", "leader")):
        answer, _ = await sign_in_at_platform(gw, user)
        assert answer.status_code == 303, answer.text
        code = answer.headers["location"].split("#sso_code=", 1)[1]
        async with gateway_client(gw) as client:
            pair = await client.post("/api/v1/auth/sso/exchange", json={"code": code})
            assert pair.status_code == 200 and pair.json()["role"] == role
            me = await client.get(
                "/api/v1/auth/me",
                headers={"Authorization": f"Bearer {pair.json()['access_token']}"},
            )
            assert me.json()["role"] == role
    async with gateway_client(gw) as client:
        providers = (await client.get("/api/v1/auth/providers")).json()["items"]
        assert providers[0]["label"] == "使用统一身份认证登录"


async def test_bad_tickets_never_sign_in(gw: Gateway, platform: TicketPlatform) -> None:
    tried = accepted = 0

    async def attempt(what: str, params: dict[str, str], status: int) -> None:
        nonlocal tried, accepted
        tried += 1
        async with gateway_client(gw) as client:
            r = await client.get("/api/v1/auth/ticket/callback", params=params)
        if r.status_code < 400:
            accepted += 1
        assert r.status_code == status, (what, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert "location" not in r.headers

    # Replayed: the same callback twice (our state), and the ticket under a fresh state.
    answer, back = await sign_in_at_platform(gw, "jx-0001")
    assert answer.status_code == 303
    q = query_of(back)
    await attempt("replayed callback", q, 401)
    async with gateway_client(gw) as client:
        fresh = query_of(
            query_of((await client.get("/api/v1/auth/ticket/login")).headers["location"])["service"]
        )["state"]
    await attempt("replayed ticket, fresh state", {"ticket": q["ticket"], "state": fresh}, 401)

    async def fresh_state() -> tuple[str, str]:
        async with gateway_client(gw) as client:
            login = (await client.get("/api/v1/auth/ticket/login")).headers["location"]
        service = query_of(login)["service"]
        return service, query_of(service)["state"]

    # Forged: a ticket the platform never issued.
    _, state = await fresh_state()
    await attempt("forged ticket", {"ticket": "ST-forged-0123456789", "state": state}, 401)
    # Issued for another service (another application's ticket).
    _, state = await fresh_state()
    other = platform.issue("jx-0001", "https://other-app.example/cas/callback")
    await attempt("ticket for another service", {"ticket": other, "state": state}, 401)
    # Expired: issued longer ago than the platform keeps tickets.
    service, state = await fresh_state()
    old = platform.issue("jx-0001", service)
    platform.tickets[old].issued -= platform.ttl + 1
    await attempt("expired ticket", {"ticket": old, "state": state}, 401)
    # A good ticket with a wrong state (not ours).
    service, _ = await fresh_state()
    good = platform.issue("jx-0001", service)
    await attempt("wrong state", {"ticket": good, "state": "not-a-state-we-issued"}, 401)
    # A person the platform knows but who has no account here: refused, never created.
    service, state = await fresh_state()
    await attempt(
        "unlinked person", {"ticket": platform.issue("jx-0003", service), "state": state}, 403
    )
    print(f"\ntickets accepted/tried = {accepted}/{tried}")
    assert accepted == 0


async def test_platform_down_is_502_and_passwords_still_work(
    gateway_settings: Settings, platform: TicketPlatform, people: dict[str, str]
) -> None:
    settings = ticket_settings(
        gateway_settings,
        platform,
        ticket_validate_url=f"http://127.0.0.1:{free_port()}/cas/serviceValidate",
    )
    async with gateway_with(settings, people) as app:
        async with gateway_client(app) as client:
            login = (await client.get("/api/v1/auth/ticket/login")).headers["location"]
            service = query_of(login)["service"]
            ticket = platform.issue("jx-0001", service)
            r = await client.get(
                "/api/v1/auth/ticket/callback",
                params={"ticket": ticket, "state": query_of(service)["state"]},
            )
            assert r.status_code == 502 and r.json()["code"] == "sso_provider_error"
            assert "统一身份认证平台" in r.json()["detail"]
            ok = await client.post(
                "/api/v1/auth/login", json={"username": people["planner"], "password": PASSWORD}
            )
            assert ok.status_code == 200
