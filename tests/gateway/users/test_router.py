"""Accounts: admins only, If-Match on change, and a change that ends the user's sessions."""

from __future__ import annotations

import asyncio
import uuid

from harness import client_for

from gateway.fixtures import PASSWORD


async def test_user_admin_routes_need_admin_and_if_match(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway, make_token("admin")) as c:
        r = await c.post(
            "/api/v1/users",
            json={"username": "p-" + uuid.uuid4().hex[:6], "password": PASSWORD, "role": "planner"},
        )
        assert r.status_code == 201, r.text
        uid, etag = r.json()["id"], r.headers["etag"]
        r = await c.get(f"/api/v1/users/{uid}")
        assert r.status_code == 200 and r.headers["etag"] == etag
        r = await c.patch(f"/api/v1/users/{uid}", json={"display_name": "张三"})
        assert r.status_code == 428
        r = await c.patch(
            f"/api/v1/users/{uid}", json={"display_name": "张三"}, headers={"If-Match": '"99"'}
        )
        assert r.status_code == 412
        r = await c.patch(
            f"/api/v1/users/{uid}", json={"display_name": "张三"}, headers={"If-Match": etag}
        )
        assert r.status_code == 200 and r.json()["display_name"] == "张三"
        assert r.headers["etag"] != etag
        r = await c.post(
            "/api/v1/users", json={"username": "x", "password": "short", "role": "boss"}
        )
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert {"username", "password", "role"} <= fields
    for role in ("planner", "leader", "unit"):
        tok = make_token(
            role,
            unit_id=str(uuid.uuid4()) if role == "unit" else None,
            region_code="360100" if role == "planner" else None,
        )
        async with client_for(gateway, tok) as c:
            assert (await c.get("/api/v1/users")).status_code == 403
            assert (await c.get(f"/api/v1/users/{uid}")).status_code == 403
            r = await c.patch(
                f"/api/v1/users/{uid}", json={"display_name": "x"}, headers={"If-Match": '"2"'}
            )
            assert r.status_code == 403
            r = await c.post(
                "/api/v1/users",
                json={"username": "zz-" + role, "password": PASSWORD, "role": "admin"},
            )
            assert r.status_code == 403


async def test_unknown_user_is_404_and_taken_username_409(gateway, make_token, make_user) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("leader")
    async with client_for(gateway, make_token("admin")) as c:
        r = await c.get(f"/api/v1/users/{uuid.uuid4()}")
        assert r.status_code == 404 and r.json()["code"] == "user_not_found"
        r = await c.patch(
            f"/api/v1/users/{uuid.uuid4()}", json={"display_name": "x"}, headers={"If-Match": '"1"'}
        )
        assert r.status_code == 404
        r = await c.post(
            "/api/v1/users", json={"username": name, "password": PASSWORD, "role": "leader"}
        )
        assert r.status_code == 409 and r.json()["code"] == "username_taken"


async def test_unit_operator_account_needs_an_existing_unit(
    gateway_to_tasks, tasks, make_token
) -> None:  # type: ignore[no-untyped-def]
    def body(**kw: str) -> dict[str, str]:
        return {"username": "op-" + uuid.uuid4().hex[:6], "password": PASSWORD, "role": "unit"} | kw

    async with client_for(tasks, make_token("admin")) as c:
        unit = (
            await c.post(
                "/api/v1/units",
                json={
                    "name": "单位-" + uuid.uuid4().hex[:6],
                    "level": "county",
                    "region_code": "360112",
                },
            )
        ).json()
    async with client_for(gateway_to_tasks, make_token("admin")) as c:
        for bad in ({}, {"unit_id": "../plans"}, {"unit_id": str(uuid.uuid4())}):
            r = await c.post("/api/v1/users", json=body(**bad))
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["errors"][0]["field"] == "unit_id"
        r = await c.post("/api/v1/users", json=body(unit_id=unit["id"]))
        assert r.status_code == 201 and r.json()["unit_id"] == unit["id"]


async def test_deactivating_a_user_ends_their_sessions_at_once(
    gateway, make_token, make_user
) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("leader")
    async with client_for(gateway) as c:
        pair = (
            await c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        ).json()
    user_h = {"Authorization": f"Bearer {pair['access_token']}"}
    async with client_for(gateway, make_token("admin")) as admin:
        users = (await admin.get("/api/v1/users")).json()["items"]
        user = next(u for u in users if u["username"] == name)
        r = await admin.patch(
            f"/api/v1/users/{user['id']}",
            json={"is_active": False},
            headers={"If-Match": f'"{user["version"]}"'},
        )
        assert r.status_code == 200 and r.json()["is_active"] is False
        # Not after the next revocation poll: this gateway refuses the token right away.
        r = await admin.get("/api/v1/auth/me", headers=user_h)
        assert r.status_code == 401 and r.json()["code"] == "token_revoked"
        r = await admin.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert r.status_code == 401
        r = await admin.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        assert r.status_code == 401


async def test_users_page_by_username_with_a_cursor(gateway, make_token, make_user) -> None:  # type: ignore[no-untyped-def]
    names = sorted([await make_user("leader") for _ in range(3)])
    async with client_for(gateway, make_token("admin")) as c:
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
            page = (await c.get("/api/v1/users", params=params)).json()
            assert len(page["items"]) <= 2
            seen += [u["username"] for u in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(seen) and set(names) <= set(seen)
        r = await c.get("/api/v1/users", params={"cursor": "not-a-cursor"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
        r = await c.get("/api/v1/users", params={"limit": "0"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"


async def test_concurrent_changes_with_one_etag_one_wins(gateway_app, make_token) -> None:  # type: ignore[no-untyped-def]
    """Real concurrency (separate connections, committed data): 1 × 200, the rest 412."""
    async with client_for(gateway_app, make_token("admin")) as c:
        r = await c.post(
            "/api/v1/users",
            json={
                "username": "race-" + uuid.uuid4().hex[:6],
                "password": PASSWORD,
                "role": "leader",
            },
        )
        uid, etag = r.json()["id"], r.headers["etag"]

        async def rename(i: int) -> int:
            r = await c.patch(
                f"/api/v1/users/{uid}", json={"display_name": f"名{i}"}, headers={"If-Match": etag}
            )
            return r.status_code

        codes = await asyncio.gather(*(rename(i) for i in range(20)))
        assert sorted(codes) == [200] + [412] * 19
        assert (await c.get(f"/api/v1/users/{uid}")).json()["version"] == 2
