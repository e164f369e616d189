"""End to end: real processes, real HTTP, real PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
import uuid

import httpx
import pytest
from forgery import forged_tokens

from e2e.fixtures import UPSTREAM_TIMEOUT

pytestmark = pytest.mark.e2e


def _wait_for(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_login_reaches_each_service_and_request_id_crosses(running_platform) -> None:  # type: ignore[no-untyped-def]
    token = running_platform.login()
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=running_platform.gateway, headers=h) as c:
        for path, service in (("/api/v1/units", "tasks"), ("/api/v1/indicators", "indicators")):
            rid = f"e2e-{service}-{uuid.uuid4().hex[:8]}"
            r = c.get(path, headers={"X-Request-ID": rid})
            assert r.status_code == 200, r.text
            assert r.headers["x-request-id"] == rid
            assert "items" in r.json()
            assert _wait_for(
                lambda rid=rid, service=service: rid in running_platform.log_text(service)
            ), service
            assert _wait_for(lambda rid=rid: rid in running_platform.log_text("gateway"))


def test_docs_list_routes_of_both_services(running_platform) -> None:  # type: ignore[no-untyped-def]
    doc = httpx.get(running_platform.gateway + "/openapi.json").json()
    paths = doc["paths"]
    assert "/api/v1/auth/login" in paths
    assert any(p.startswith("/api/v1/plans") for p in paths)
    assert any(p.startswith("/api/v1/indicators") for p in paths)
    assert httpx.get(running_platform.gateway + "/docs").status_code == 200


def test_forged_tokens_rejected_at_gateway_and_services(running_platform, keypair, signer) -> None:  # type: ignore[no-untyped-def]
    accepted = []
    for kind, token in forged_tokens(keypair[0], keypair[1], signer).items():
        h = {"Authorization": f"Bearer {token}"}
        for base, path in (
            (running_platform.gateway, "/api/v1/units"),
            (running_platform.gateway, "/api/v1/indicators"),
            (running_platform.gateway, "/api/v1/auth/me"),
            (running_platform.url("tasks"), "/api/v1/units"),
            (running_platform.url("indicators"), "/api/v1/indicators"),
        ):
            r = httpx.get(base + path, headers=h)
            if r.status_code != 401:
                accepted.append((kind, base, path, r.status_code))
    assert accepted == []


def test_logout_revokes_at_gateway_and_at_services(running_platform) -> None:  # type: ignore[no-untyped-def]
    token = running_platform.login()
    h = {"Authorization": f"Bearer {token}"}
    assert httpx.get(running_platform.url("tasks") + "/api/v1/units", headers=h).status_code == 200
    assert (
        httpx.post(running_platform.gateway + "/api/v1/auth/logout", headers=h).status_code == 204
    )
    assert httpx.get(running_platform.gateway + "/api/v1/units", headers=h).status_code == 401
    for svc, path in (("tasks", "/api/v1/units"), ("indicators", "/api/v1/indicators")):
        assert _wait_for(
            lambda svc=svc, path=path: (
                httpx.get(running_platform.url(svc) + path, headers=h).status_code == 401
            )
        ), svc


def test_stopped_service_gives_fast_503_while_other_answers(running_platform) -> None:  # type: ignore[no-untyped-def]
    token = running_platform.login()
    h = {"Authorization": f"Bearer {token}"}
    platform = running_platform.platform
    platform.stop_one("indicators")
    try:
        with httpx.Client(base_url=running_platform.gateway, headers=h, timeout=10) as c:
            t0 = time.perf_counter()
            r = c.get("/api/v1/indicators")
            elapsed = time.perf_counter() - t0
            assert r.status_code == 503, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert elapsed < 2.0
            assert c.get("/api/v1/units").status_code == 200
    finally:
        platform.start_one("indicators")
        platform.wait_ready(services=("indicators",))


def test_hung_service_gives_504_within_timeout(running_platform) -> None:  # type: ignore[no-untyped-def]
    token = running_platform.login()
    h = {"Authorization": f"Bearer {token}"}
    proc = running_platform.platform.procs["tasks"]
    os.killpg(proc.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        t0 = time.perf_counter()
        r = httpx.get(running_platform.gateway + "/api/v1/units", headers=h, timeout=10)
        elapsed = time.perf_counter() - t0
        assert r.status_code == 504 and r.json()["code"] == "upstream_timeout"
        assert elapsed < UPSTREAM_TIMEOUT + 1.5
        assert (
            httpx.get(running_platform.gateway + "/api/v1/indicators", headers=h).status_code == 200
        )
    finally:
        os.killpg(proc.pid, signal.SIGCONT)


def test_request_id_crosses_all_three_on_import(running_platform) -> None:  # type: ignore[no-untyped-def]
    """gateway → task service → indicator service, one request id in all three logs."""
    from pathlib import Path

    seed = Path(__file__).resolve().parents[2] / "deploy" / "seeds" / "000_d775692da490137b.txt"
    rid = f"e2e-import-{uuid.uuid4().hex[:8]}"
    r = httpx.post(
        running_platform.gateway + "/api/v1/plans/import",
        params={"dry_run": "false", "create_missing_units": "true"},
        files={"file": (seed.name, seed.read_bytes())},
        headers={"Authorization": f"Bearer {running_platform.login()}", "X-Request-ID": rid},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    assert r.json()["counts"]["indicators_created"] > 0
    assert r.headers["x-request-id"] == rid
    for service in ("gateway", "tasks", "indicators"):
        assert _wait_for(lambda s=service: rid in running_platform.log_text(s)), service
