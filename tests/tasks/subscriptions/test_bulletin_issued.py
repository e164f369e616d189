"""``bulletin.issued``: issuing a bulletin (通报) of a disclosed plan sends subscribed portals one
signed delivery, carried by a real worker process to a local HTTP receiver that verifies the
Standard Webhooks signature with the independent ``standardwebhooks`` package; a bulletin of a
plan that is not public sends nothing; the public feed lists the issued bulletins."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from harness import app_lifespan, client_for
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dudao_shared import migrate
from dudao_tasks.config import Settings
from dudao_tasks.main import create_app
from dudao_tasks.migrations import MIGRATIONS_DIR
from tasks.fixtures import SERVICE_TOKEN
from tasks.notifications.peers import wait_for, worker_env, workers
from tasks.world import build_world, etag, ok

pytestmark = pytest.mark.e2e


@dataclass
class Portal:
    secret: str = ""
    url: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    rejected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def portal() -> Iterator[Portal]:
    """A receiver that takes only what verifies against the secret it was given."""
    state = Portal()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with state.lock:
                try:
                    Webhook(state.secret).verify(body, headers)
                except WebhookVerificationError:
                    state.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                state.events.append(json.loads(body))
                state.headers.append(headers)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/portal"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def bulletin_db(databases) -> str:  # type: ignore[no-untyped-def]
    url = databases.create("tasks_bulletin_hook")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="module")
async def app(bulletin_db: str, keypair, tmp_path_factory) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    """The task service on a database the worker process shares (writes are committed)."""
    application = create_app(
        Settings(
            environment="test",
            database_url=bulletin_db,
            jwt_public_key=keypair[1],
            storage_dir=str(tmp_path_factory.mktemp("evidence")),
            service_token=SERVICE_TOKEN,
        )
    )
    async with app_lifespan(application):
        yield application


async def test_bulletin_issued_reaches_a_subscribed_portal_signed(  # type: ignore[no-untyped-def]
    app, bulletin_db, keypair, make_token, tmp_path
) -> None:
    public = await build_world(app, make_token)
    hidden = await build_world(app, make_token)
    with portal() as receiver:
        async with public.client("admin") as admin:
            sub = ok(
                await admin.post(
                    "/api/v1/subscriptions",
                    json={"name": "赣服通", "url": receiver.url, "events": ["bulletin.issued"]},
                ),
                201,
            )
            receiver.secret = sub["secret"]
            path = f"/api/v1/plans/{public.ids['plan']}"
            ok(
                await admin.patch(
                    path,
                    json={"status": "published", "disclosed": True},
                    headers={"If-Match": await etag(public, path)},
                )
            )
            issued = ok(await admin.post(f"{path}/bulletins", json={}), 201)
            # A bulletin of a plan that is not public is nobody else's business.
            other = ok(
                await admin.post(f"/api/v1/plans/{hidden.ids['plan']}/bulletins", json={}), 201
            )

            with workers(worker_env(bulletin_db, keypair[1]), ["hook"], tmp_path / "logs"):
                wait_for(lambda: len(receiver.events) >= 1, "the bulletin.issued delivery")
                log: list[dict[str, Any]] = []
                for _ in range(100):
                    log = ok(await admin.get(f"/api/v1/subscriptions/{sub['id']}/deliveries"))[
                        "items"
                    ]
                    if log and log[0]["status"] == "sent":
                        break
                    await asyncio.sleep(0.1)
            assert [d["event"] for d in log] == ["bulletin.issued"], log
            assert log[0]["status"] == "sent"

            (event,) = receiver.events
            assert receiver.rejected == 0
            assert event["type"] == "bulletin.issued"
            assert event["id"] == f"bulletin.issued:{issued['id']}"
            assert log[0]["event_id"] == event["id"]
            assert receiver.headers[0]["webhook-signature"].startswith("v1,")
            data = event["data"]
            assert data["bulletin_id"] == issued["id"] and data["plan_id"] == public.ids["plan"]
            assert data["title"] == issued["title"]
            assert data["totals"] == issued["content"]["totals"]
            feed_url = data["feed_url"]
            assert feed_url == f"/public/v1/plans/{public.ids['plan']}/bulletins/{issued['id']}"

    # The public feed lists the issued bulletin of the disclosed plan, as issued, without who
    # issued it; the plan that is not public has no feed at all.
    async with client_for(app) as anonymous:
        listed = ok(await anonymous.get(f"/public/v1/plans/{public.ids['plan']}/bulletins"))
        assert [b["id"] for b in listed["items"]] == [issued["id"]]
        detail = ok(await anonymous.get(feed_url))
        assert detail["totals"] == issued["content"]["totals"]
        assert [u["unit_name"] for u in detail["units"]] == [
            u["unit_name"] for u in issued["content"]["units"]
        ]
        assert "issued_by" not in json.dumps(detail)
        r = await anonymous.get(f"/public/v1/plans/{hidden.ids['plan']}/bulletins")
        assert r.status_code == 404
        # Another plan's bulletin is not found under the public plan either.
        path = f"/public/v1/plans/{public.ids['plan']}/bulletins/{other['id']}"
        assert (await anonymous.get(path)).status_code == 404
