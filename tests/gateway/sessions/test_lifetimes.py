"""Session lifetimes (ASVS 3.3.2): refreshing keeps a session alive for at most its absolute
lifetime, and a session left idle longer than the idle lifetime cannot be refreshed."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from harness import client_for
from sqlalchemy import text

from dudao_shared.clock import utcnow
from dudao_shared.db import get_database
from gateway.fixtures import PASSWORD


async def test_refresh_stops_at_the_absolute_lifetime(gateway, gateway_settings, make_user) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("leader")
    step = timedelta(seconds=gateway_settings.session_idle_seconds - 60)
    with time_machine.travel(utcnow(), tick=False) as clock:
        async with client_for(gateway) as c:
            r = await c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            refresh = r.json()["refresh_token"]
            started = utcnow()
            refreshed = 0
            while True:
                clock.shift(step)
                r = await c.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
                if r.status_code != 200:
                    break
                refresh = r.json()["refresh_token"]
                refreshed += 1
            assert r.status_code == 401, r.text
            lived = utcnow() - started
            assert lived <= timedelta(seconds=gateway_settings.session_absolute_seconds) + step
            assert lived >= timedelta(seconds=gateway_settings.session_absolute_seconds)
            assert refreshed >= 10


async def test_an_idle_session_cannot_be_refreshed(gateway, gateway_settings, make_user) -> None:  # type: ignore[no-untyped-def]
    name = await make_user("leader")
    with time_machine.travel(utcnow(), tick=False) as clock:
        async with client_for(gateway) as c:
            r = await c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            refresh = r.json()["refresh_token"]
            clock.shift(timedelta(seconds=gateway_settings.session_idle_seconds + 1))
            r = await c.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
            assert r.status_code == 401 and r.json()["code"] == "invalid_refresh_token"


async def test_a_session_past_its_end_is_refused_even_with_a_fresh_refresh_token(  # type: ignore[no-untyped-def]
    gateway, make_user
) -> None:
    """A session row whose end passed (e.g. after the lifetimes were shortened) is refused."""
    name = await make_user("leader")
    async with client_for(gateway) as c:
        r = await c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        refresh = r.json()["refresh_token"]
        async with get_database.of(gateway.api).sessionmaker() as s:
            await s.execute(text("UPDATE auth_session SET expires_at = now() - interval '30 days'"))
            await s.commit()
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
        assert r.status_code == 401 and r.json()["code"] == "session_expired"
