"""The security audit: admins only; filtered by action family and unit."""

from __future__ import annotations

import uuid

from harness import client_for


async def test_events_are_for_admins_only(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    for role in ("planner", "leader", "unit"):
        tok = make_token(role, unit_id=str(uuid.uuid4()) if role == "unit" else None)
        async with client_for(gateway, tok) as c:
            r = await c.get("/api/v1/auth/events")
            assert r.status_code == 403 and r.json()["code"] == "role_forbidden"


async def test_action_filter_takes_the_family_and_unit_filter_narrows(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        for _ in range(2):
            await c.post("/api/v1/auth/unit_token", json={"token": "ddu_" + uuid.uuid4().hex})
        await c.post("/api/v1/auth/login", json={"username": "ghost", "password": "x"})
    async with client_for(gateway, make_token("admin")) as c:
        family = (await c.get("/api/v1/auth/events", params={"action": "unit_token"})).json()
        assert [e["action"] for e in family["items"]] == ["unit_token.use"] * 2
        login = (await c.get("/api/v1/auth/events", params={"action": "login"})).json()
        assert [e["subject"] for e in login["items"]] == ["ghost"]
        none = (await c.get("/api/v1/auth/events", params={"unit_id": str(uuid.uuid4())})).json()
        assert none == {"items": [], "next_cursor": None}


async def test_events_page_newest_first(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway) as c:
        for i in range(3):
            await c.post("/api/v1/auth/login", json={"username": f"ghost-{i}", "password": "x"})
    async with client_for(gateway, make_token("admin")) as c:
        first = (await c.get("/api/v1/auth/events", params={"limit": "2"})).json()
        assert [e["subject"] for e in first["items"]] == ["ghost-2", "ghost-1"]
        rest = (
            await c.get(
                "/api/v1/auth/events", params={"limit": "2", "cursor": first["next_cursor"]}
            )
        ).json()
        assert [e["subject"] for e in rest["items"]] == ["ghost-0"]
        assert rest["next_cursor"] is None
