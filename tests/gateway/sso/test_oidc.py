"""OpenID Connect sign-in against a real, certified provider (Node oidc-provider in a child
process), driven through the whole authorization-code flow over HTTP: PKCE, state, nonce,
discovery, JWKS with rotation, the linking rule, and every way a sign-in must be refused."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from harness import app_lifespan, rolled_back

from dudao_gateway.config import Settings
from dudao_gateway.main import Gateway, create_app
from dudao_gateway.users import service as users_service
from dudao_gateway.users.schemas import UserCreate
from dudao_shared.db import get_database
from gateway.sso.peers import (
    CLIENT_ID,
    CLIENT_SECRET,
    GATEWAY,
    REDIRECT_URI,
    OpenIdProvider,
    free_port,
    query_of,
    sign_in_at_provider,
)

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def provider_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    return {
        "planner": f"oidc-planner-{tag}",
        "leader": f"oidc-leader-{tag}",
        "admin": f"oidc-admin-{tag}",
    }


@pytest.fixture(scope="module")
def provider(provider_port: int, names: dict[str, str]) -> Iterator[OpenIdProvider]:
    op = OpenIdProvider(
        provider_port,
        accounts={
            "sub-planner": {"preferred_username": names["planner"], "employee_no": "E1001"},
            "sub-leader": {"preferred_username": "someone-else", "employee_no": names["leader"]},
            "sub-stranger": {"preferred_username": "no-such-account"},
            "sub-admin": {"preferred_username": names["admin"]},
        },
    )
    op.start()
    try:
        yield op
    finally:
        op.stop()


def oidc_settings(base: Settings, issuer: str, **kw: Any) -> Settings:
    return base.model_copy(
        update={
            "oidc_issuer": issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_redirect_uri": REDIRECT_URI,
            "oidc_scope": "openid profile staff",
            "sso_link_by": "username",
            **kw,
        }
    )


@contextlib.asynccontextmanager
async def gateway_with(settings: Settings, names: dict[str, str]) -> AsyncIterator[Gateway]:
    """A gateway app with these settings, its accounts made in a rolled-back transaction."""
    app = create_app(settings)
    async with app_lifespan(app.api), rolled_back(app.api):
        async with get_database.of(app.api).sessionmaker() as s:
            for role, name in names.items():
                await users_service.create_user(
                    s,
                    data=UserCreate(
                        username=name,
                        password=PASSWORD,
                        role=role,
                        region_code="360100" if role == "planner" else None,
                    ),
                    actor="test",
                )
            await s.commit()
        yield app


@pytest.fixture
async def gw(gateway_settings: Settings, provider: OpenIdProvider, names) -> AsyncIterator[Gateway]:  # type: ignore[no-untyped-def]
    async with gateway_with(oidc_settings(gateway_settings, provider.issuer), names) as app:
        yield app


def gateway_client(app: Gateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=GATEWAY)


async def full_sign_in(app: Gateway, login: str) -> tuple[httpx.Response, str]:
    """Login at the gateway → the provider (sign in, consent) → the gateway's callback.
    Returns the callback's answer and the callback URL (for replays)."""
    async with gateway_client(app) as gw, httpx.AsyncClient(timeout=15) as browser:
        start = await gw.get("/api/v1/auth/oidc/login", params={"return_to": "/plans"})
        assert start.status_code == 302, start.text
        back = await sign_in_at_provider(
            browser, start.headers["location"], login=login, redirect_prefix=REDIRECT_URI
        )
        return await gw.get(back.removeprefix(GATEWAY)), back


async def tokens_from(app: Gateway, answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("/plans#sso_code=")
    code = location.split("#sso_code=", 1)[1]
    async with gateway_client(app) as gw:
        r = await gw.post("/api/v1/auth/sso/exchange", json={"code": code})
        assert r.status_code == 200, r.text
        again = await gw.post("/api/v1/auth/sso/exchange", json={"code": code})
        assert again.status_code == 401  # the login code is single-use
        return dict(r.json())


async def test_code_flow_with_pkce_signs_a_planner_in(gw: Gateway, names) -> None:  # type: ignore[no-untyped-def]
    async with gateway_client(gw) as client:
        start = await client.get("/api/v1/auth/oidc/login")
        q = query_of(start.headers["location"])
        assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) >= 43
        assert q["state"] and q["nonce"] and q["client_id"] == CLIENT_ID
        assert q["redirect_uri"] == REDIRECT_URI and "openid" in q["scope"].split()
        providers = (await client.get("/api/v1/auth/providers")).json()["items"]
        assert [p["name"] for p in providers] == ["oidc"]
    answer, _ = await full_sign_in(gw, "sub-planner")
    pair = await tokens_from(gw, answer)
    assert pair["role"] == "planner" and pair["refresh_token"]
    async with gateway_client(gw) as client:
        me = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
        )
        assert me.status_code == 200 and me.json()["region_code"] == "360100"


async def test_linking_by_a_claim_and_by_subject(
    gateway_settings: Settings, provider: OpenIdProvider, names
) -> None:  # type: ignore[no-untyped-def]
    # Rule "claim:employee_no": the leader's employee number is their username here.
    rule = oidc_settings(gateway_settings, provider.issuer, sso_link_by="claim:employee_no")
    async with gateway_with(rule, names) as app:
        answer, _ = await full_sign_in(app, "sub-leader")
        assert (await tokens_from(app, answer))["role"] == "leader"
        # The planner's employee number is no account's username: refused, not created.
        answer, _ = await full_sign_in(app, "sub-planner")
        assert answer.status_code == 403 and answer.json()["code"] == "sso_not_linked"
    # Rule "subject": only what an admin linked signs in.
    rule = oidc_settings(gateway_settings, provider.issuer, sso_link_by="subject")
    async with gateway_with(rule, names) as app:
        answer, _ = await full_sign_in(app, "sub-admin")
        assert answer.status_code == 403  # the username matches, but the rule is the link
        async with gateway_client(app) as client:
            login = await client.post(
                "/api/v1/auth/login", json={"username": names["admin"], "password": PASSWORD}
            )
            admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
            users = (await client.get("/api/v1/users", params={"limit": 500}, headers=admin)).json()
            planner = next(u for u in users["items"] if u["username"] == names["planner"])
            linked = await client.post(
                f"/api/v1/users/{planner['id']}/external_identities",
                json={"provider": "oidc", "subject": "sub-stranger"},
                headers=admin,
            )
            assert linked.status_code == 201, linked.text
            again = await client.post(
                f"/api/v1/users/{planner['id']}/external_identities",
                json={"provider": "oidc", "subject": "sub-stranger"},
                headers=admin,
            )
            assert again.status_code == 409
        answer, _ = await full_sign_in(app, "sub-stranger")
        assert (await tokens_from(app, answer))["role"] == "planner"


async def test_never_signs_in_an_unlinked_identity(gw: Gateway) -> None:
    answer, _ = await full_sign_in(gw, "sub-stranger")
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "sso_not_linked" and "未关联" in body["detail"]
    assert "set-cookie" not in answer.headers and "location" not in answer.headers
