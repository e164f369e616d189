"""Sign-in, refresh rotation, logout, lockout and accounts — the gateway's own routes."""

from __future__ import annotations

import uuid

from dudao_gateway.accounts import service as accounts
from dudao_gateway.accounts.schemas import UserCreate
from harness import client_for

PASSWORD = "correct-horse-battery"


async def _user(app, role: str = "admin", **kw) -> str:  # type: ignore[no-untyped-def]
    name = f"{role}-{uuid.uuid4().hex[:6]}"
    async with app.state.db.sessionmaker() as s:
        await accounts.create_user(
            s, data=UserCreate(username=name, password=PASSWORD, role=role, **kw), actor="test"
        )
        await s.commit()
    return name


async def _login(c, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return await c.post("/api/v1/auth/login", json={"username": username, "password": password})


async def test_login_gives_short_lived_access_and_refresh(gateway) -> None:  # type: ignore[no-untyped-def]
    name = await _user(gateway, "planner", region_code="360100")
    async with client_for(gateway) as c:
        r = await _login(c, name)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["expires_in"] <= 900 and body["refresh_token"].startswith("ddr_")
        me = await c.get("/api/v1/auth/me",
                         headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.status_code == 200
        assert me.json()["role"] == "planner" and me.json()["region_code"] == "360100"


async def test_wrong_password_is_401_problem_and_locks_after_threshold(gateway) -> None:  # type: ignore[no-untyped-def]
    name = await _user(gateway, "leader")
    async with client_for(gateway) as c:
        for _ in range(3):
            r = await _login(c, name, "wrong-password")
            assert r.status_code == 401
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "invalid_credentials"
        r = await _login(c, name)  # right password, but locked now
        assert r.status_code == 423 and r.json()["code"] == "account_locked"
        assert int(r.headers["retry-after"]) > 0


async def test_unknown_user_looks_like_wrong_password(gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        r = await _login(c, "nobody-" + uuid.uuid4().hex[:6], "whatever-pass")
        assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"


async def test_refresh_rotates_and_reuse_revokes_session(gateway) -> None:  # type: ignore[no-untyped-def]
    name = await _user(gateway, "admin")
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
        me = await c.get("/api/v1/auth/me",
                         headers={"Authorization": f"Bearer {second['access_token']}"})
        assert me.status_code == 401 and me.json()["code"] == "token_revoked"


async def test_logout_revokes_access_token_and_publishes_revocation(gateway) -> None:  # type: ignore[no-untyped-def]
    name = await _user(gateway, "admin")
    async with client_for(gateway) as c:
        tok = (await _login(c, name)).json()["access_token"]
        h = {"Authorization": f"Bearer {tok}"}
        assert (await c.post("/api/v1/auth/logout", headers=h)).status_code == 204
        r = await c.get("/api/v1/auth/me", headers=h)
        assert r.status_code == 401 and r.json()["code"] == "token_revoked"
        # Proxied paths are refused at the edge too, before any service is asked.
        r = await c.get("/api/v1/plans", headers=h)
        assert r.status_code == 401
        sids = {e["sid"] for e in (await c.get("/internal/v1/revocations")).json()["items"]}
        assert len(sids) >= 1


async def test_user_admin_routes_need_admin_and_if_match(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    admin = make_token("admin")
    async with client_for(gateway, admin) as c:
        r = await c.post("/api/v1/users", json={"username": "p-" + uuid.uuid4().hex[:6],
                                                 "password": PASSWORD, "role": "planner"})
        assert r.status_code == 201, r.text
        uid, etag = r.json()["id"], r.headers["etag"]
        r = await c.patch(f"/api/v1/users/{uid}", json={"display_name": "张三"})
        assert r.status_code == 428
        r = await c.patch(f"/api/v1/users/{uid}", json={"display_name": "张三"},
                          headers={"If-Match": '"99"'})
        assert r.status_code == 412
        r = await c.patch(f"/api/v1/users/{uid}", json={"display_name": "张三"},
                          headers={"If-Match": etag})
        assert r.status_code == 200 and r.json()["display_name"] == "张三"
        r = await c.post("/api/v1/users", json={"username": "x", "password": "short", "role": "boss"})
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert {"username", "password", "role"} <= fields
    for role in ("planner", "leader", "unit"):
        tok = make_token(role, unit_id=str(uuid.uuid4()) if role == "unit" else None)
        async with client_for(gateway, tok) as c:
            assert (await c.get("/api/v1/users")).status_code == 403
            r = await c.post("/api/v1/users", json={"username": "zz-" + role,
                                                     "password": PASSWORD, "role": "admin"})
            assert r.status_code == 403


async def test_unit_token_routes_are_for_admin_and_planner_only(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    for role in ("leader", "unit"):
        tok = make_token(role, unit_id=str(uuid.uuid4()) if role == "unit" else None)
        async with client_for(gateway, tok) as c:
            r = await c.post("/api/v1/unit_tokens", json={"unit_id": str(uuid.uuid4())})
            assert r.status_code == 403
            assert (await c.get("/api/v1/unit_tokens")).status_code == 403
            assert (await c.delete(f"/api/v1/unit_tokens/{uuid.uuid4()}")).status_code == 403


async def test_unit_token_unit_id_must_be_a_uuid(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    # unit_id goes into the task service's URL and into the token's unit claim: anything but a
    # UUID is refused before either (a NUL byte used to crash the URL build with a 500; a "/"
    # reached another task-service route).
    async with client_for(gateway, make_token("planner", region_code="360100")) as c:
        for bad in ("a\x00b", f"{uuid.uuid4()}"[:30] + "/x", "../plans", "not-a-uuid"):
            r = await c.post("/api/v1/unit_tokens", json={"unit_id": bad})
            assert r.status_code == 422, (bad, r.status_code, r.text)
            assert r.json()["errors"][0]["field"] == "unit_id"


async def test_bad_unit_token_exchange_is_401_and_audited(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        r = await c.post("/api/v1/auth/unit_token", json={"token": "ddu_not-a-real-token"})
        assert r.status_code == 401 and r.json()["code"] == "invalid_unit_token"
    async with client_for(gateway, make_token("admin")) as c:
        events = (await c.get("/api/v1/auth/events", params={"action": "unit_token"})).json()
        assert any(e["outcome"] == "failed" for e in events)


async def test_proxy_to_stopped_service_is_fast_503_problem(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    import time

    async with client_for(gateway, make_token("admin")) as c:
        t0 = time.perf_counter()
        r = await c.get("/api/v1/plans", headers={"X-Request-ID": "rid-503"})
        assert time.perf_counter() - t0 < 2.0
        assert r.status_code == 503 and r.json()["code"] == "service_unavailable"
        assert r.headers["x-request-id"] == "rid-503" and r.headers["retry-after"]


async def test_malformed_bodies_are_422_not_500(gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        r = await c.post("/api/v1/auth/login", content=b"{not json",
                         headers={"content-type": "application/json"})
        assert r.status_code == 422
        r = await c.post("/api/v1/auth/login", json={"username": "a" * 10_000, "password": "x"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
