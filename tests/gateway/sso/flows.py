"""The sign-in flows the tests drive: a gateway app with given settings and accounts, and the
whole OpenID Connect sign-in through it and the provider."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from harness import app_lifespan, rolled_back

from dudao_gateway.config import Settings
from dudao_gateway.main import Gateway, create_app
from dudao_gateway.users import service as users_service
from dudao_gateway.users.schemas import UserCreate
from dudao_shared.db import get_database
from gateway.sso.peers import CLIENT_ID, CLIENT_SECRET, GATEWAY, REDIRECT_URI, sign_in_at_provider

PASSWORD = "correct-horse-battery"


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
                        role=role,  # type: ignore[arg-type]
                        region_code="360100" if role == "planner" else None,
                    ),
                    actor="test",
                )
            await s.commit()
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
