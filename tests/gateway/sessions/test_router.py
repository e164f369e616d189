"""Signing in and out: password sign-in with lockout, refresh rotation, sign-out."""

from __future__ import annotations

import uuid

import httpx
from harness import client_for

from dudao_shared.security import SERVICE_TOKEN_HEADER
from gateway.fixtures import PASSWORD, SERVICE_TOKEN


async def _login(c: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await c.post("/api/v1/auth/login", json={"username": username, "password": password})


async def test_login_gives_short_lived_access_and_refresh(gateway, make_user) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("planner", region_code="360100")
    async with client_for(gateway) as c:
        r = await _login(c, name)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["expires_in"] <= 900 and body["refresh_token"].startswith("ddr_")
        me = await c.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json()["role"] == "planner" and me.json()["region_code"] == "360100"


async def test_form_login_is_the_same_sign_in(gateway, make_user) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("leader")
    async with client_for(gateway) as c:
        r = await c.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
        assert r.status_code == 200 and r.json()["role"] == "leader"
        r = await c.post("/api/v1/auth/token", data={"username": name, "password": "wrong-pass"})
        assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"


async def test_unknown_user_looks_like_wrong_password(gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        r = await _login(c, "nobody-" + uuid.uuid4().hex[:6], "whatever-pass")
        assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"


async def test_refresh_rotates_and_reuse_revokes_session(gateway, make_user) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("admin")
    async with client_for(gateway) as c:
        first = (await _login(c, name)).json()
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 200, r.text
        second = r.json()
        assert second["refresh_token"] != first["refresh_token"]
        # The old refresh token again: theft is assumed, the session ends.
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 401 and r.json()["code"] == "refresh_token_reused"
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert r.status_code == 401
        me = await c.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}
        )
        assert me.status_code == 401 and me.json()["code"] == "token_revoked"


async def test_unknown_refresh_token_is_401(gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": "ddr_made-up"})
        assert r.status_code == 401 and r.json()["code"] == "invalid_refresh_token"


async def test_logout_revokes_access_token_and_publishes_revocation(gateway, make_user) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("admin")
    async with client_for(gateway) as c:
        tok = (await _login(c, name)).json()["access_token"]
        h = {"Authorization": f"Bearer {tok}"}
        assert (await c.get("/api/v1/auth/me", headers=h)).status_code == 200
        assert (await c.post("/api/v1/auth/logout", headers=h)).status_code == 204
        r = await c.get("/api/v1/auth/me", headers=h)
        assert r.status_code == 401 and r.json()["code"] == "token_revoked"
        # Proxied paths are refused at the edge too, before any service is asked.
        r = await c.get("/api/v1/plans", headers=h)
        assert r.status_code == 401 and r.json()["code"] == "token_revoked"
        # Internal: only for holders of the service credential.
        assert (await c.get("/internal/v1/revocations")).status_code == 401
        published = (
            await c.get("/internal/v1/revocations", headers={SERVICE_TOKEN_HEADER: SERVICE_TOKEN})
        ).json()["items"]
        assert published and all(e["until"] > 0 for e in published)


async def test_bad_unit_token_exchange_is_401_and_audited(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        r = await c.post("/api/v1/auth/unit_token", json={"token": "ddu_not-a-real-token"})
        assert r.status_code == 401 and r.json()["code"] == "invalid_unit_token"
    async with client_for(gateway, make_token("admin")) as c:
        events = (await c.get("/api/v1/auth/events", params={"action": "unit_token"})).json()
        assert [e["outcome"] for e in events["items"]] == ["failed"]
        assert events["items"][0]["subject"] == "ddu_not-a-real-token"[:12]


async def test_malformed_bodies_are_422_not_500(gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        r = await c.post(
            "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 422
        r = await c.post("/api/v1/auth/login", json={"username": "a" * 10_000, "password": "x"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
