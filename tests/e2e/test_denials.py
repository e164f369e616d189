"""Denied requests leave a security record: a planner probing another region's plan and ids
that do not exist gets 404s, and each denial is in the security audit with the request id and
the address; a flood of denials from one address is recorded up to the limit, then summed up."""

from __future__ import annotations

import time
import uuid

from e2e.fixtures import RunningPlatform
from e2e.helpers import client, ok, staff


def _denials(admin, request_ids: set[str]) -> list[dict]:  # type: ignore[no-untyped-def]
    # The record is written beside the response: give it a moment.
    found: list[dict] = []
    for _ in range(50):
        items = ok(
            admin.get("/api/v1/auth/events", params={"action": "request_denied", "limit": 200})
        )["items"]
        found = [e for e in items if e["request_id"] in request_ids]
        if len(found) == len(request_ids):
            break
        time.sleep(0.1)
    return found


def test_denied_requests_are_recorded_with_their_request_id(
    running_platform: RunningPlatform,
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    planner = staff(running_platform, admin, "planner", region_code="360900")
    other = staff(running_platform, admin, "planner", region_code="360100")
    plan = ok(
        planner.http.post(
            "/api/v1/plans",
            json={
                "title": f"宜春市规划 {uuid.uuid4().hex[:6]}",
                "level": "city",
                "region_code": "360900",
            },
        )
    )
    ids: set[str] = set()
    for path in (f"/api/v1/plans/{plan['id']}", f"/api/v1/plans/{uuid.uuid4()}"):
        r = other.http.get(path)
        assert r.status_code == 404, r.text
        ids.add(r.headers["x-request-id"])
    events = _denials(admin, ids)
    assert {e["request_id"] for e in events} == ids
    assert all(
        e["outcome"] == "404" and e["ip"] and "GET /api/v1/plans/" in e["detail"] for e in events
    )
    # An unauthenticated call is a 401, recorded too.
    anon = client(running_platform.gateway)
    r = anon.get("/api/v1/plans")
    assert r.status_code == 401
    assert _denials(admin, {r.headers["x-request-id"]})[0]["outcome"] == "401"


def test_a_flood_of_denials_is_recorded_up_to_the_limit(
    running_platform: RunningPlatform,
) -> None:
    admin = client(running_platform.gateway, running_platform.login())
    anon = client(running_platform.gateway)
    ids = set()
    for _ in range(80):
        r = anon.get(f"/api/v1/plans/{uuid.uuid4()}")
        assert r.status_code == 401
        ids.add(r.headers["x-request-id"])
    time.sleep(1)
    items = ok(admin.get("/api/v1/auth/events", params={"action": "request_denied", "limit": 200}))[
        "items"
    ]
    recorded = [e for e in items if e["request_id"] in ids]
    # Every address gets a burst of 30, refilled at 30 a minute: far fewer than 80 rows.
    assert 1 <= len(recorded) < 60, len(recorded)
