"""The forwarder's failure answers: an upstream that is down is a quick 503 problem."""

from __future__ import annotations

import time

from harness import client_for


async def test_proxy_to_stopped_service_is_fast_503_problem(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway, make_token("admin")) as c:
        t0 = time.perf_counter()
        r = await c.get("/api/v1/plans", headers={"X-Request-ID": "rid-503"})
        assert time.perf_counter() - t0 < 2.0
        assert r.status_code == 503 and r.json()["code"] == "service_unavailable"
        assert r.headers["x-request-id"] == "rid-503" and r.headers["retry-after"]


async def test_unsafe_request_id_is_replaced(gateway, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway, make_token("admin")) as c:
        r = await c.get("/api/v1/plans", headers={"X-Request-ID": "bad id\twith spaces"})
        assert r.status_code == 503
        assert r.headers["x-request-id"] != "bad id\twith spaces"
        assert len(r.headers["x-request-id"]) == 32
