"""Each service app answers health checks and refuses unauthenticated calls with problem+json."""

from __future__ import annotations

from harness import client_for


async def test_tasks_health_and_ready(tasks) -> None:  # type: ignore[no-untyped-def]
    async with client_for(tasks) as c:
        r = await c.get("/healthz")
        assert r.status_code == 200 and r.json()["service"] == "tasks"
        r = await c.get("/readyz")
        assert r.status_code == 200, r.text
        assert r.json()["checks"]["database"] == "ok"
        assert r.headers["x-request-id"]


async def test_indicators_health_and_ready(indicators) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators) as c:
        r = await c.get("/readyz", headers={"X-Request-ID": "abc-123"})
        assert r.status_code == 200, r.text
        assert r.headers["x-request-id"] == "abc-123"


async def test_unknown_route_is_problem_json(tasks) -> None:  # type: ignore[no-untyped-def]
    async with client_for(tasks) as c:
        r = await c.get("/api/v1/nope")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "not_found"
