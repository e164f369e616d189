"""Production posture of the gateway (T18–T21): security headers on every answer, CSP on pages,
CORS from the allowlist with working preflight, client addresses from trusted proxies only,
`Allow` on 405, 413 for oversize bodies, API documents behind a setting."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from harness import app_lifespan, client_for

from dudao_gateway.config import Settings
from dudao_gateway.main import create_app
from dudao_shared.security import SERVICE_TOKEN_HEADER
from gateway.fixtures import PASSWORD, SERVICE_TOKEN

CONSOLE = "https://console.example.gov.cn"
PROXY = "10.9.9.9"


@pytest.fixture(scope="module")
async def strict_gateway(gateway_settings: Settings) -> AsyncIterator[Any]:
    """A production-shaped gateway: CORS allowlist, one trusted proxy, small bodies, no public
    API documents."""
    settings = gateway_settings.model_copy(
        update={
            "cors_origins": [CONSOLE],
            "trusted_proxies": [PROXY],
            "max_body_bytes": 4096,
            "public_docs": False,
        }
    )
    app = create_app(settings)
    async with app_lifespan(app.api):
        yield app


def _from(app: Any, ip: str, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
        base_url="http://testserver",
        headers=headers,
    )


def _assert_api_headers(r: httpx.Response) -> None:
    assert r.headers["x-content-type-options"] == "nosniff", r.url
    assert r.headers["cache-control"] == "no-store", r.url
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "server" not in r.headers


async def test_security_headers_on_api_answers_of_every_kind(
    gateway, make_user, make_token
) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("leader")
    async with client_for(gateway) as c:
        answers = [
            await c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD}),
            await c.post("/api/v1/auth/login", json={"username": name, "password": "wrong-pw"}),
            await c.post("/api/v1/auth/login", json={"username": name}),
            await c.get("/api/v1/auth/me"),
            # The forwarder's own answers: a refused token, an unreachable service.
            await c.get("/api/v1/plans"),
            await c.get(
                "/api/v1/plans", headers={"Authorization": f"Bearer {make_token('admin')}"}
            ),
            await c.get("/api/v1/nothing-here"),
        ]
    assert [r.status_code for r in answers] == [200, 401, 422, 401, 401, 503, 404]
    assert "access_token" in answers[0].json()  # tokens, so never stored by a cache
    for r in answers:
        _assert_api_headers(r)


async def test_pages_get_a_content_security_policy(gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        page = await c.get("/")
        docs = await c.get("/docs")
    for r in (page, docs):
        assert r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        assert r.headers["x-frame-options"] == "DENY"
    # The docs page's one inline script is allowed by its hash, and only it.
    assert "'sha256-" in docs.headers["content-security-policy"]


async def test_cors_preflight_from_the_allowlist_only(strict_gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(strict_gateway) as c:
        preflight = {
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, if-match, content-type",
        }
        ok = await c.options("/api/v1/plans/x", headers={"Origin": CONSOLE, **preflight})
        assert ok.status_code == 200, ok.text
        assert ok.headers["access-control-allow-origin"] == CONSOLE
        assert "PATCH" in ok.headers["access-control-allow-methods"]
        assert "if-match" in ok.headers["access-control-allow-headers"].lower()
        for origin in ("https://evil.example", "null"):
            r = await c.options("/api/v1/plans/x", headers={"Origin": origin, **preflight})
            assert "access-control-allow-origin" not in r.headers, origin
        # An actual cross-origin answer names the origin and exposes the ETag.
        r = await c.get("/api/v1/auth/me", headers={"Origin": CONSOLE})
        assert r.headers["access-control-allow-origin"] == CONSOLE
        assert "etag" in r.headers["access-control-expose-headers"].lower()


def test_cors_allowlist_refuses_wildcards(gateway_settings: Settings) -> None:
    for bad in (["*"], ["null"]):
        with pytest.raises(ValueError, match="cors_origins"):
            Settings(**{**gateway_settings.model_dump(), "cors_origins": bad})


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    strict_gateway, make_token
) -> None:  # type: ignore[no-untyped-def]
    async def login_ip(peer: str, forwarded: str) -> str | None:
        name = "nobody-" + uuid.uuid4().hex[:8]
        async with _from(strict_gateway, peer) as c:
            r = await c.post(
                "/api/v1/auth/login",
                json={"username": name, "password": "wrong-password"},
                headers={"X-Forwarded-For": forwarded},
            )
            assert r.status_code == 401
        async with client_for(strict_gateway, make_token("admin")) as admin:
            events = (
                await admin.get("/api/v1/auth/events", params={"action": "login", "limit": 100})
            ).json()["items"]
        return next(e["ip"] for e in events if e["subject"] == name)

    # From anyone else (a loopback caller included) the header is ignored.
    assert await login_ip("127.0.0.1", "203.0.113.99") == "127.0.0.1"
    assert await login_ip("198.51.100.5", "203.0.113.99") == "198.51.100.5"
    # From the configured proxy, the address it forwards is the client's.
    assert await login_ip(PROXY, "203.0.113.99") == "203.0.113.99"


async def test_method_not_allowed_names_the_allowed_ones(gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        r = await c.delete("/api/v1/auth/login")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert "POST" in r.headers["allow"]


async def test_oversize_body_through_the_gateway_is_413(strict_gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(strict_gateway, make_token("admin")) as c:
        r = await c.post("/api/v1/plans", content=b"{" + b" " * 10_000 + b"}")
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


async def test_api_documents_behind_the_setting(strict_gateway, gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(strict_gateway) as c:
        for path in ("/docs", "/openapi.json"):
            assert (await c.get(path)).status_code == 404, path
        r = await c.get("/openapi.json", headers={SERVICE_TOKEN_HEADER: SERVICE_TOKEN})
        assert r.status_code == 200 and "/api/v1/auth/login" in r.json()["paths"]
        assert "/internal/v1/revocations" not in r.json()["paths"]
    async with client_for(gateway) as c:  # development and test: public
        assert (await c.get("/docs")).status_code == 200
