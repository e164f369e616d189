"""Issue 14 end to end, real processes: staff sign in through the OpenID provider and through
the province's ticket sign-on at the running gateway and land with their role; a portal's
webhook receiver gets each public event once, verified with the independent
``standardwebhooks`` package, also when it was down at first; secret rotation overlaps."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from gateway.sso.peers import OpenIdProvider, TicketPlatform, query_of, sign_in_at_provider
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from e2e.fixtures import CAS_PORT, OIDC_CLIENT, OIDC_PORT
from e2e.helpers import client, create_unit, ok, staff, uniq, unit_actor

pytestmark = pytest.mark.e2e
SEED = Path(__file__).resolve().parents[1] / "importer" / "gold" / "002_dfb8ccd5e9df308d.json"


def exchange(gateway: str, answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 303, answer.text
    code = answer.headers["location"].split("#sso_code=", 1)[1]
    return dict(ok(httpx.post(gateway + "/api/v1/auth/sso/exchange", json={"code": code}), 200))


async def test_staff_sign_in_through_oidc_and_ticket(running_platform) -> None:  # type: ignore[no-untyped-def]
    gw = running_platform.gateway
    admin = client(gw, running_platform.login())
    planner = staff(running_platform, admin, "planner", region_code="360900")
    leader = staff(running_platform, admin, "leader")
    op = OpenIdProvider(
        OIDC_PORT,
        accounts={"oidc-sub-1": {"preferred_username": planner.name}},
        client=OIDC_CLIENT,
        redirect_uri=gw + "/api/v1/auth/oidc/callback",
    )
    cas = TicketPlatform(users={leader.name: {"name": "李四"}}, port=CAS_PORT)
    op.start()
    cas.start()
    try:
        providers = ok(httpx.get(gw + "/api/v1/auth/providers"), 200)["items"]
        assert {p["name"] for p in providers} == {"oidc", "ticket"}
        # OpenID Connect, the whole code flow.
        start = httpx.get(gw + "/api/v1/auth/oidc/login")
        assert start.status_code == 302
        async with httpx.AsyncClient(timeout=15) as browser:
            back = await sign_in_at_provider(
                browser,
                start.headers["location"],
                login="oidc-sub-1",
                redirect_prefix=gw + "/api/v1/auth/oidc/callback",
            )
        pair = exchange(gw, httpx.get(back))
        assert pair["role"] == "planner"
        me = ok(client(gw, pair["access_token"]).get("/api/v1/auth/me"), 200)
        assert me["region_code"] == "360900"
        assert httpx.get(back).status_code == 401  # the same callback again: refused
        # The ticket sign-on.
        start = httpx.get(gw + "/api/v1/auth/ticket/login")
        login = start.headers["location"]
        assert query_of(login)["service"].startswith(gw + "/api/v1/auth/ticket/callback")
        at_platform = httpx.get(f"{login}&{urlencode({'user': leader.name})}")
        back = at_platform.headers["location"]
        pair = exchange(gw, httpx.get(back))
        assert pair["role"] == "leader"
        assert httpx.get(back).status_code == 401  # replayed ticket
    finally:
        op.stop()
        cas.stop()


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    url: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    rejected: int = 0
    down: bool = False
    refused_while_down: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, check: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if check():
                    return
            time.sleep(0.2)
        raise AssertionError(f"receiver saw {self.ids}")


@contextmanager
def receiver() -> Iterator[Receiver]:
    """A portal's endpoint: verifies with ``standardwebhooks`` against any secret it holds,
    drops a webhook-id it has seen (replay protection), can play "down" (503)."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with state.lock:
                if state.down:
                    state.refused_while_down += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                verified = False
                for secret in state.secrets:
                    try:
                        Webhook(secret).verify(body, headers)
                        verified = True
                    except WebhookVerificationError:
                        continue
                if not verified:
                    state.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                if headers["webhook-id"] not in state.ids:
                    state.ids.append(headers["webhook-id"])
                    state.events.append(json.loads(body))
                    state.signatures.append(headers["webhook-signature"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/dudao"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_portal_receives_each_event_once_signed(running_platform) -> None:  # type: ignore[no-untyped-def]
    gw = running_platform.gateway
    admin = client(gw, running_platform.login())
    planner = staff(running_platform, admin, "planner", region_code="360900")
    http = planner.http
    with receiver() as portal:
        # Only admins register receivers; internal and private targets are refused.
        assert http.post("/api/v1/subscriptions", json={}).status_code in (403, 422)
        for bad in ("http://169.254.169.254/latest", "file:///etc/passwd", "gopher://x:70/"):
            r = admin.post(
                "/api/v1/subscriptions",
                json={"name": "x", "url": bad, "events": ["plan.published"]},
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url", bad
        sub = ok(
            admin.post(
                "/api/v1/subscriptions",
                json={
                    "name": "赣服通分厅",
                    "url": portal.url,
                    "events": ["plan.published", "task.state_changed", "indicator.assessed"],
                },
            ),
            201,
        )
        assert sub["secret"].startswith("whsec_")
        portal.secrets.append(sub["secret"])
        shown = ok(admin.get(f"/api/v1/subscriptions/{sub['id']}"), 200)
        assert "secret" not in shown  # shown once

        # A plan with a task and an indicator, disclosed: "plan.published".
        unit = create_unit(http, uniq("宜春市卫健委"))
        plan = ok(
            http.post(
                "/api/v1/plans",
                json={
                    "title": uniq("宜春市公开规划-"),
                    "level": "city",
                    "region_code": "360900",
                    "items": [{"code": "1", "kind": "task", "title": "建设区域医疗中心"}],
                    "assignments": [{"code": "1", "unit_id": unit["id"], "role": "lead"}],
                },
            ),
            201,
        )
        tag = http.get(f"/api/v1/plans/{plan['id']}").headers["etag"]
        ok(
            http.patch(
                f"/api/v1/plans/{plan['id']}",
                json={"status": "published", "disclosed": True},
                headers={"If-Match": tag},
            ),
            200,
        )
        portal.wait_for(lambda: len(portal.events) >= 1)
        first = portal.events[0]
        assert first["type"] == "plan.published" and first["data"]["plan_id"] == plan["id"]
        assert first["data"]["feed_url"] == f"/public/v1/plans/{plan['id']}"

        # The receiver goes down; the task changes state; it gets the event once it is back.
        portal.down = True
        asg = ok(http.get("/api/v1/assignments", params={"plan_id": plan["id"]}), 200)["items"][0]
        office = unit_actor(running_platform, http, unit)
        ok(
            office.http.patch(
                f"/api/v1/assignments/{asg['id']}",
                json={"status": "in_progress"},
                headers={"If-Match": f'"{asg["version"]}"'},
            ),
            200,
        )
        portal.wait_for(lambda: portal.refused_while_down >= 1)
        portal.down = False
        portal.wait_for(lambda: len(portal.events) >= 2)
        moved = portal.events[1]
        assert moved["type"] == "task.state_changed"
        assert (moved["data"]["previous_status"], moved["data"]["status"]) == (
            "not_started",
            "in_progress",
        )

        # Secret rotation: during the overlap both secrets sign; a portal holding only the new
        # one verifies the next event.
        rotated = ok(
            admin.post(
                f"/api/v1/subscriptions/{sub['id']}/secret",
                json={"overlap_hours": 1},
                headers={"If-Match": f'"{shown["version"]}"'},
            ),
            200,
        )
        assert rotated["secret"] != sub["secret"] and rotated["previous_secret_until"]
        portal.secrets[:] = [rotated["secret"]]

        # An indicator value approved: the indicator service tells the delivery machinery.
        ind = ok(
            http.post(
                "/api/v1/indicators/bulk",
                json={
                    "plan_id": plan["id"],
                    "region_code": "360900",
                    "indicators": json.loads(SEED.read_text(encoding="utf-8"))["indicators"][:1],
                },
            ),
            201,
        )["items"][0]
        m = ok(
            http.post(
                "/api/v1/measurements",
                json={
                    "indicator_id": ind["id"],
                    "region_code": "360900",
                    "period": "2023",
                    "value": 78.2,
                    "note": "统计年鉴",
                    "submit": True,
                },
            ),
            201,
        )
        # Four eyes: a second planner of the region approves the value the first entered.
        reviewer = staff(running_platform, admin, "planner", region_code="360900")
        with reviewer.http:
            ok(
                reviewer.http.post(
                    f"/api/v1/measurements/{m['id']}/approve",
                    headers={"If-Match": f'"{m["version"]}"'},
                ),
                200,
            )
        portal.wait_for(lambda: len(portal.events) >= 3)
        assessed = portal.events[2]
        assert assessed["type"] == "indicator.assessed"
        assert assessed["data"]["indicator_id"] == ind["id"]
        assert len(portal.signatures[2].split()) == 2  # new and previous secret both sign

        # Each event once, no forged or duplicate delivery; the log shows the failed try.
        assert len(portal.ids) == len(set(portal.ids)) == 3 and portal.rejected == 0
        log = ok(admin.get(f"/api/v1/subscriptions/{sub['id']}/deliveries"), 200)["items"]
        assert {d["status"] for d in log} == {"sent"}
        by_event = {d["event"]: d for d in log}
        assert by_event["task.state_changed"]["attempts"] >= 2
        assert not by_event["task.state_changed"]["log"][0]["ok"]
