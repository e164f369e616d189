"""Webhook subscriptions: admin only (every route × every role), the secret shown once,
rotation with an overlap, SSRF-refused targets, events only for disclosed plans, a dead
delivery sent again by hand."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import select

from dudao_shared.db import get_database
from dudao_shared.security import SERVICE_TOKEN_HEADER
from dudao_tasks.models import Delivery
from dudao_tasks.notifications.channels import build_senders
from dudao_tasks.notifications.delivery import run_delivery
from tasks.fixtures import SERVICE_TOKEN
from tasks.world import ROLES, build_world, etag, ok

HOOK = "http://127.0.0.1:9/hooks/portal"


def body(**kw: Any) -> dict[str, Any]:
    return {"name": "赣服通分厅", "url": HOOK, "events": ["plan.published"], **kw}


async def test_every_route_is_admins_only(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("admin") as admin:
        sub = ok(await admin.post("/api/v1/subscriptions", json=body()), 201)
    sid = sub["id"]
    routes = [
        ("POST", "/api/v1/subscriptions", body()),
        ("GET", "/api/v1/subscriptions", None),
        ("GET", f"/api/v1/subscriptions/{sid}", None),
        ("PATCH", f"/api/v1/subscriptions/{sid}", {"name": "改名"}),
        ("POST", f"/api/v1/subscriptions/{sid}/secret", {"overlap_hours": 1}),
        ("GET", f"/api/v1/subscriptions/{sid}/deliveries", None),
        ("DELETE", f"/api/v1/subscriptions/{sid}", None),
    ]
    for role in ROLES:
        if role == "admin":
            continue
        async with w.client(role) as c:
            for method, path, payload in routes:
                headers = {"If-Match": '"1"'}
                r = await c.request(method, path, json=payload, headers=headers)
                assert r.status_code == 403, (role, method, path, r.status_code)
                assert r.json()["code"] == "role_forbidden"
    async with w.client("admin") as admin:
        for method, path, payload in routes[1:]:
            headers = {"If-Match": await etag(w, f"/api/v1/subscriptions/{sid}")}
            r = await admin.request(method, path, json=payload, headers=headers)
            assert r.status_code < 300, (method, path, r.text)


async def test_secret_once_rotation_overlap_and_refused_targets(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("admin") as admin:
        sub = ok(await admin.post("/api/v1/subscriptions", json=body()), 201)
        assert sub["secret"].startswith("whsec_")
        read = ok(await admin.get(f"/api/v1/subscriptions/{sub['id']}"))
        assert "secret" not in read
        listed = ok(await admin.get("/api/v1/subscriptions"))
        assert all("secret" not in s for s in listed["items"])
        rotated = ok(
            await admin.post(
                f"/api/v1/subscriptions/{sub['id']}/secret",
                json={"overlap_hours": 2},
                headers={"If-Match": f'"{read["version"]}"'},
            )
        )
        assert rotated["secret"] != sub["secret"] and rotated["previous_secret_until"]
        for bad in (
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.5/hook",
            "file:///etc/passwd",
            "gopher://127.0.0.1:70/x",
            "https://user:pw@example.com/hook",
            "not a url",
        ):
            r = await admin.post("/api/v1/subscriptions", json=body(url=bad))
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url", bad
        r = await admin.post("/api/v1/subscriptions", json=body(events=["plan.deleted"]))
        assert r.status_code == 422
        assert (await admin.post("/api/v1/subscriptions", json=body(events=[]))).status_code == 422

        # Disclosing the plan queues one signed delivery per subscriber, with both secrets
        # while the overlap lasts.
        plan_path = f"/api/v1/plans/{w.ids['plan']}"
        ok(
            await admin.patch(
                plan_path,
                json={"status": "published", "disclosed": True},
                headers={"If-Match": await etag(w, plan_path)},
            )
        )
        async with get_database.of(tasks).sessionmaker() as s:
            rows = (
                await s.scalars(
                    select(Delivery).where(Delivery.dedupe_key.startswith(f"sub:{sub['id']}:"))  # type: ignore[attr-defined]
                )
            ).all()
        assert len(rows) == 1 and rows[0].channel == "webhook" and rows[0].target == HOOK
        assert rows[0].payload["type"] == "plan.published"
        assert rows[0].secret == f"{rotated['secret']} {sub['secret']}"
        log = ok(await admin.get(f"/api/v1/subscriptions/{sub['id']}/deliveries"))["items"]
        assert [d["event"] for d in log] == ["plan.published"] and log[0]["status"] == "pending"


async def test_no_event_for_a_plan_that_is_not_public(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    async with w.client("admin") as admin:
        sub = ok(
            await admin.post(
                "/api/v1/subscriptions",
                json=body(events=["task.state_changed", "plan.published"]),
            ),
            201,
        )
        # The task changes state (the world's report), but the plan is not disclosed.
        log = ok(await admin.get(f"/api/v1/subscriptions/{sub['id']}/deliveries"))["items"]
        assert log == []
        r = await admin.post(
            "/internal/v1/events",
            json={
                "type": "indicator.assessed",
                "plan_id": w.ids["plan"],
                "indicator_id": "x",
                "region_code": "360112",
                "period": "2023",
                "measurement_id": "m",
                "measurement_version": 2,
            },
            headers={SERVICE_TOKEN_HEADER: SERVICE_TOKEN},  # as the indicator service calls
        )
        assert r.status_code == 202 and r.json() == {"deliveries": 0}
    async with w.client("unit_a") as unit:
        # Without the service credential a user's token does not reach the internal route.
        r = await unit.post("/internal/v1/events", json={})
        assert r.status_code == 401 and r.json()["code"] == "service_credential_required"


async def test_a_dead_delivery_is_sent_again_once(tasks, make_token, tasks_settings) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("admin") as admin:
        sub = ok(await admin.post("/api/v1/subscriptions", json=body()), 201)
        other = ok(await admin.post("/api/v1/subscriptions", json=body(name="另一门户")), 201)
        plan_path = f"/api/v1/plans/{w.ids['plan']}"
        ok(
            await admin.patch(
                plan_path,
                json={"status": "published", "disclosed": True},
                headers={"If-Match": await etag(w, plan_path)},
            )
        )
        deliveries = f"/api/v1/subscriptions/{sub['id']}/deliveries"
        (queued,) = ok(await admin.get(deliveries))["items"]
        retry = f"{deliveries}/{queued['id']}/retry"
        # Still queued: nothing to send again.
        r = await admin.post(retry)
        assert r.status_code == 409 and r.json()["code"] == "delivery_not_dead"

        # The worker's send to a closed port fails on its last attempt: dead, with its log.
        db = get_database.of(tasks)
        async with httpx.AsyncClient() as http:
            senders = build_senders(tasks_settings, http)
            status = await run_delivery(
                db.sessionmaker, senders, uuid.UUID(queued["id"]), max_attempts=1
            )
        assert status == "dead"
        (dead,) = ok(await admin.get(deliveries))["items"]
        assert dead["status"] == "dead" and dead["attempts"] == 1 and dead["last_error"]

        # Another receiver's path does not reach this delivery; a unknown id is a 404.
        r = await admin.post(f"/api/v1/subscriptions/{other['id']}/deliveries/{dead['id']}/retry")
        assert r.status_code == 404 and r.json()["code"] == "subscription_delivery_not_found"
        r = await admin.post(f"{deliveries}/{uuid.uuid4()}/retry")
        assert r.status_code == 404
        async with w.client("planner") as planner:
            r = await planner.post(retry)
            assert r.status_code == 403 and r.json()["code"] == "role_forbidden"

        # The admin sends it again after a rotation: pending, a new job, the new secret signs.
        read = ok(await admin.get(f"/api/v1/subscriptions/{sub['id']}"))
        rotated = ok(
            await admin.post(
                f"/api/v1/subscriptions/{sub['id']}/secret",
                json={"overlap_hours": 0},
                headers={"If-Match": f'"{read["version"]}"'},
            )
        )
        again = ok(await admin.post(retry))
        assert again["status"] == "pending" and again["event_id"] == dead["event_id"]
        assert [a["attempt"] for a in again["log"]] == [1]
        async with db.sessionmaker() as s:
            row = await s.get(Delivery, uuid.UUID(queued["id"]))
            assert row is not None and row.secret == rotated["secret"]
            jobs = (
                await s.execute(
                    sa.text(
                        "SELECT count(*) FROM procrastinate_jobs"
                        " WHERE task_name = 'deliver' AND args->>'delivery_id' = :id"
                    ),
                    {"id": queued["id"]},
                )
            ).scalar_one()
        assert jobs == 2  # the first send's job and the retry's
        r = await admin.post(retry)
        assert r.status_code == 409
