"""Sign-in throttling: per address, per account and per account-from-an-address, shared in
PostgreSQL, with growing delays; it cannot lock the owner out and tells no account apart."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import time_machine
from harness import client_for

from dudao_shared.clock import utcnow
from gateway.fixtures import PASSWORD


def _from(app: Any, ip: str, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
        base_url="http://testserver",
        headers=headers,
    )


async def _login(c: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await c.post("/api/v1/auth/login", json={"username": username, "password": password})


def _shape(r: httpx.Response) -> tuple[int, str, str | None]:
    return r.status_code, r.json()["code"], r.headers.get("retry-after")


async def test_guesser_is_throttled_but_the_owner_signs_in_from_elsewhere(
    gateway, make_user
) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("admin")
    async with _from(gateway, "203.0.113.7") as attacker, _from(gateway, "198.51.100.2") as owner:
        for _ in range(5):
            assert _shape(await _login(attacker, name, "wrong-password"))[:2] == (
                401,
                "invalid_credentials",
            )
        r = await _login(attacker, name, "wrong-password")  # the 6th counts and blocks
        assert r.status_code == 401
        r = await _login(attacker, name, PASSWORD)  # even the right password waits now
        assert r.status_code == 429 and r.json()["code"] == "sign_in_throttled"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(r.headers["retry-after"]) <= 15 * 60
        # No 15-minute lock of the account: its owner, elsewhere, is not affected.
        r = await _login(owner, name, PASSWORD)
        assert r.status_code == 200, r.text


async def test_unknown_and_existing_accounts_get_the_same_answers(gateway, make_user) -> None:  # type: ignore[no-untyped-def]
    real = await make_user("leader")
    ghost = "nobody-" + uuid.uuid4().hex[:6]
    answers = {}
    for ip, name in (("203.0.113.11", real), ("203.0.113.12", ghost)):
        async with _from(gateway, ip) as c:
            answers[name] = [_shape(await _login(c, name, "wrong-password")) for _ in range(8)]
    assert answers[real] == answers[ghost]
    assert {s for s, _, _ in answers[real]} == {401, 429}


async def test_delays_grow_and_lapse(gateway, make_user) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("planner")
    retries = []
    with time_machine.travel(utcnow(), tick=False) as clock:
        async with _from(gateway, "203.0.113.21") as c:
            for _ in range(6):
                await _login(c, name, "wrong-password")
            for _ in range(3):
                r = await _login(c, name, "wrong-password")
                assert r.status_code == 429
                retry = int(r.headers["retry-after"])
                retries.append(retry)
                clock.shift(timedelta(seconds=retry + 1))
                # The block lapsed: this attempt is judged (and fails, doubling the delay).
                assert (await _login(c, name, "wrong-password")).status_code == 401
            clock.shift(timedelta(hours=1))
            assert (await _login(c, name, PASSWORD)).status_code == 200
    assert retries[0] < retries[1] < retries[2], retries


async def test_one_address_spraying_many_accounts_is_throttled(gateway) -> None:  # type: ignore[no-untyped-def]
    async with _from(gateway, "203.0.113.31") as c:
        statuses = [
            (await _login(c, f"spray-{i}-{uuid.uuid4().hex[:4]}", "Winter2026!")).status_code
            for i in range(22)
        ]
    assert statuses[:21] == [401] * 21 and statuses[21] == 429, statuses


async def test_admin_unlock_clears_the_accounts_throttle(gateway, make_user, make_token) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("leader")
    async with _from(gateway, "203.0.113.41") as c:
        for _ in range(7):
            await _login(c, name, "wrong-password")
        assert (await _login(c, name, PASSWORD)).status_code == 429
        async with client_for(gateway, make_token("admin")) as admin:
            user = next(
                u
                for u in (await admin.get("/api/v1/users", params={"limit": 100})).json()["items"]
                if u["username"] == name
            )
            r = await admin.get(f"/api/v1/users/{user['id']}")
            r = await admin.patch(
                f"/api/v1/users/{user['id']}",
                json={"unlock": True},
                headers={"If-Match": r.headers["etag"]},
            )
            assert r.status_code == 200, r.text
        assert (await _login(c, name, PASSWORD)).status_code == 200


async def test_concurrent_failures_are_all_counted_by_the_shared_store(
    gateway_app, make_token
) -> None:  # type: ignore[no-untyped-def]
    """Separate connections, committed data (as two gateway replicas would see it): ten wrong
    passwords at once are ten failures, none is a 500, and the account is throttled after."""
    name = "burst-" + uuid.uuid4().hex[:6]
    async with client_for(gateway_app, make_token("admin")) as c:
        r = await c.post(
            "/api/v1/users", json={"username": name, "password": PASSWORD, "role": "leader"}
        )
        assert r.status_code == 201, r.text
    async with _from(gateway_app, "203.0.113.51") as c:
        codes = await asyncio.gather(*(_login(c, name, "wrong-password") for _ in range(10)))
        assert {r.status_code for r in codes} <= {401, 429}
        r = await _login(c, name, PASSWORD)
        assert r.status_code == 429, r.text
