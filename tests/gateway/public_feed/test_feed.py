"""The public feed's edge rules at the gateway: a per-client limit that replicas share, read-only
methods, and a problem (not a 500) when the service behind is down."""

from __future__ import annotations

import uuid

import httpx
from harness import app_lifespan

from dudao_gateway.config import Settings
from dudao_gateway.main import create_app
from dudao_gateway.public_feed.ratelimit import RateLimiter
from dudao_shared.db import get_database


async def test_two_replicas_share_one_limit(gateway_app) -> None:  # type: ignore[no-untyped-def]
    engine = get_database.of(gateway_app.api).engine
    one = RateLimiter(engine, limit=4, window_seconds=60)
    two = RateLimiter(engine, limit=4, window_seconds=60)
    client = f"198.51.100.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"
    answers = [await (one if n % 2 else two).hit(client) for n in range(6)]
    assert answers[:4] == [None] * 4
    waits = answers[4:]
    assert all(w is not None and 1 <= w <= 60 for w in waits)
    # Another client has its own count.
    assert await one.hit(client + "-other") is None


async def test_over_the_limit_is_429_with_retry_after(gateway_settings: Settings) -> None:
    settings = gateway_settings.model_copy(update={"public_rate_limit": 2})
    app = create_app(settings)
    async with app_lifespan(app.api):
        transport = httpx.ASGITransport(app=app, client=(f"203.0.113.{uuid.uuid4().int % 250}", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as portal:
            # The services are not running here: the feed says so with a 503 problem.
            first = await portal.get("/public/v1/plans")
            assert first.status_code == 503
            assert first.headers["content-type"] == "application/problem+json"
            assert (await portal.get("/public/v1/plans")).status_code == 503
            limited = await portal.get("/public/v1/plans")
            assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
            assert 1 <= int(limited.headers["retry-after"]) <= 60
            assert (await portal.delete("/public/v1/plans")).status_code == 405
