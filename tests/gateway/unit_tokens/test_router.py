"""单位令牌: for admins and planners; a planner reaches the tokens of their own region only,
and gets the same answer for another region's token on every route."""

from __future__ import annotations

import uuid
from typing import Any

from harness import client_for


async def _unit(tasks, make_token, region_code: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    async with client_for(tasks, make_token("admin")) as c:
        level = "city" if region_code.endswith("00") else "county"
        r = await c.post(
            "/api/v1/units",
            json={
                "name": f"单位-{uuid.uuid4().hex[:6]}",
                "level": level,
                "region_code": region_code,
            },
        )
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body


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


async def test_unknown_unit_is_422_naming_unit_id(gateway_to_tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway_to_tasks, make_token("admin")) as c:
        r = await c.post("/api/v1/unit_tokens", json={"unit_id": str(uuid.uuid4())})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_id"


async def test_another_regions_token_gets_the_same_answer_everywhere(
    gateway_to_tasks, tasks, make_token
) -> None:  # type: ignore[no-untyped-def]
    gw = gateway_to_tasks
    yichun_unit = await _unit(tasks, make_token, "360902")
    yichun = make_token("planner", region_code="360900")
    nanchang = make_token("planner", region_code="360100")
    admin = make_token("admin")

    async with client_for(gw, nanchang) as c:
        # Another city's unit is not visible to this planner at all: the same answer as for a
        # unit that does not exist (region visibility, issue of peers not seeing each other).
        r = await c.post("/api/v1/unit_tokens", json={"unit_id": yichun_unit["id"]})
        missing = await c.post("/api/v1/unit_tokens", json={"unit_id": str(uuid.uuid4())})
        assert r.status_code == missing.status_code == 422, r.text
        assert r.json()["errors"] == missing.json()["errors"] or (
            r.json()["errors"][0]["field"] == missing.json()["errors"][0]["field"] == "unit_id"
        )
    async with client_for(gw, yichun) as c:
        r = await c.post("/api/v1/unit_tokens", json={"unit_id": yichun_unit["id"]})
        assert r.status_code == 201, r.text
        issued = r.json()
        assert issued["region_code"] == "360902" and issued["token"].startswith("ddu_")

    async def listed(token: str, **params: str) -> set[str]:
        async with client_for(gw, token) as c:
            r = await c.get("/api/v1/unit_tokens", params=params)
            assert r.status_code == 200, r.text
            return {t["id"] for t in r.json()["items"]}

    assert issued["id"] in await listed(yichun)
    assert issued["id"] in await listed(admin)
    # Outside the region the token is not there: not in the list, not even when asked by unit,
    # and 404 (not 403) when named, exactly as for a token that does not exist.
    assert issued["id"] not in await listed(nanchang)
    assert await listed(nanchang, unit_id=yichun_unit["id"]) == set()
    async with client_for(gw, nanchang) as c:
        foreign = await c.delete(f"/api/v1/unit_tokens/{issued['id']}")
        missing = await c.delete(f"/api/v1/unit_tokens/{uuid.uuid4()}")
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["code"] == missing.json()["code"] == "unit_token_not_found"


async def test_exchange_then_revoke_ends_the_access_it_bought(
    gateway_to_tasks, tasks, make_token
) -> None:  # type: ignore[no-untyped-def]
    gw = gateway_to_tasks
    unit = await _unit(tasks, make_token, "360100")
    async with client_for(gw, make_token("planner", region_code="360100")) as planner:
        issued = (
            await planner.post(
                "/api/v1/unit_tokens", json={"unit_id": unit["id"], "label": "经办人"}
            )
        ).json()
        async with client_for(gw) as c:
            pair = (await c.post("/api/v1/auth/unit_token", json={"token": issued["token"]})).json()
        assert pair["role"] == "unit" and pair["unit_id"] == unit["id"]
        assert pair["refresh_token"] is None
        unit_h = {"Authorization": f"Bearer {pair['access_token']}"}
        me = (await planner.get("/api/v1/auth/me", headers=unit_h)).json()
        assert me["unit_id"] == unit["id"] and me["name"] == unit["name"]
        listed = (await planner.get("/api/v1/unit_tokens")).json()["items"]
        assert [t["use_count"] for t in listed if t["id"] == issued["id"]] == [1]

        first = await planner.delete(f"/api/v1/unit_tokens/{issued['id']}")
        assert first.status_code == 200 and first.json()["revoked_at"] is not None
        r = await planner.get("/api/v1/auth/me", headers=unit_h)
        assert r.status_code == 401 and r.json()["code"] == "token_revoked"
        async with client_for(gw) as c:
            r = await c.post("/api/v1/auth/unit_token", json={"token": issued["token"]})
            assert r.status_code == 401 and r.json()["code"] == "invalid_unit_token"
        # Revoked tokens leave the default list and stay in the full one; revoking twice is
        # harmless.
        assert issued["id"] not in {
            t["id"] for t in (await planner.get("/api/v1/unit_tokens")).json()["items"]
        }
        full = (await planner.get("/api/v1/unit_tokens", params={"include_revoked": "true"})).json()
        assert issued["id"] in {t["id"] for t in full["items"]}
        again = await planner.delete(f"/api/v1/unit_tokens/{issued['id']}")
        assert again.status_code == 200
        assert again.json()["revoked_at"] == first.json()["revoked_at"]
