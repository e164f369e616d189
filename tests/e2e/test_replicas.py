"""More than one machine: two replicas of each service and two workers behind nginx on loopback,
against one replica of each behind the same balancer, with the same flows and the same results.

The replicas share nothing but PostgreSQL: every URL a process is given is the balancer's, so a
request, the gateway's hop to a service and a service's call to another land on any replica.
The flows: a plan reaches a unit, which signs for (签收) its task, reports and is accepted, with
lights and the audit trail as on one replica; the reminder sweep requested several times at
once with both workers running sends each reminder once (reminder, inbox notice, delivery and
webhook call); a logout on one gateway replica is refused by the other and by every task and
indicator replica; failed sign-ins on both gateway replicas count together.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tasks.notifications.peers import WebhookReceiver, wait_for, webhook_receiver

from dudao_cli.main import prepare_scratch_platform
from dudao_cli.platform import SERVICES, Platform, free_port
from dudao_shared.clock import LOCAL_TZ
from dudao_shared.db import Database
from dudao_shared.webhooks import new_secret
from e2e.balancer import Balancer
from e2e.helpers import client, create_unit, etag, ok, staff, uniq, unit_actor

pytestmark = pytest.mark.e2e

REGION = "360900"  # 宜春市
TODAY = dt.datetime.now(LOCAL_TZ).date()


def _day(delta: int) -> str:
    return (TODAY + dt.timedelta(days=delta)).isoformat()


@dataclass
class Cluster:
    replicas: int
    platform: Platform
    balancer: Balancer
    password: str
    tasks_db: str

    @property
    def gateway(self) -> str:
        return self.balancer.url("gateway")

    def replica_urls(self, svc: str) -> list[str]:
        return [url for name, url in self.platform.urls.items() if name.startswith(f"{svc}-")]

    def login(self, username: str = "admin", password: str | None = None) -> str:
        r = httpx.post(
            self.gateway + "/api/v1/auth/login",
            json={"username": username, "password": password or self.password},
        )
        return str(ok(r, 200)["access_token"])


@contextmanager
def cluster(
    databases: Any, data_dir: Path, keypair: tuple[str, str], replicas: int
) -> Iterator[Cluster]:
    keys = data_dir / "keys"
    keys.mkdir(parents=True)
    (keys / "jwt_private.pem").write_text(keypair[0])
    (keys / "jwt_public.pem").write_text(keypair[1])
    urls = {svc: databases.create(f"e2e_rep{replicas}_{svc}") for svc in SERVICES}
    cfg, password = prepare_scratch_platform(
        urls,
        data_dir,
        extra_env={
            "DUDAO_TASKS_REVOCATION_POLL_SECONDS": "0.2",
            "DUDAO_INDICATORS_REVOCATION_POLL_SECONDS": "0.2",
            "DUDAO_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "15",
            # The client's address comes from nginx's X-Forwarded-For (sign-in throttling).
            "DUDAO_GATEWAY_TRUSTED_PROXIES": json.dumps(["127.0.0.1"]),
            "DUDAO_TASKS_DELIVERY_BACKOFF_SECONDS": "2",
        },
    )
    # The config's ports become the balancer's: every process is told the balancer's URLs.
    listen = {svc: int(cfg.url(svc).rsplit(":", 1)[1]) for svc in SERVICES}
    ports = {svc: [free_port() for _ in range(replicas)] for svc in SERVICES}
    balancer = Balancer(data_dir / "nginx", listen, ports)
    platform = Platform(cfg)
    try:
        balancer.start()
        env = cfg.env()
        for svc in ("tasks", "indicators", "gateway"):
            for n, port in enumerate(ports[svc], start=1):
                platform.start_one(svc, env, name=f"{svc}-{n}", port=port)
        for n in range(1, replicas + 1):
            platform.start_worker(f"worker-{n}", env)
        platform.wait_ready(timeout=120)
        for svc in SERVICES:
            wait_for(
                lambda svc=svc: _status(balancer.url(svc) + "/healthz") == 200,
                f"{svc} through nginx",
            )
        yield Cluster(replicas, platform, balancer, password, urls["tasks"])
    finally:
        platform.stop()
        balancer.stop()


def _status(url: str, **kw: Any) -> int:
    try:
        return httpx.get(url, timeout=5, **kw).status_code
    except httpx.TransportError:
        return 0


def _sql(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async def go() -> list[tuple[Any, ...]]:
        db = Database(db_url)
        try:
            async with db.sessionmaker() as s:
                result = await s.execute(text(sql), params)
                rows = [tuple(r) for r in result.all()] if result.returns_rows else []
                await s.commit()
                return rows
        finally:
            await db.dispose()

    return asyncio.run(go())


def _publish(http: httpx.Client, plan_id: str) -> None:
    path = f"/api/v1/plans/{plan_id}"
    ok(http.patch(path, json={"status": "published"}, headers={"If-Match": etag(http, path)}))


# --- the flows ------------------------------------------------------------------------------


def unit_flow(c: Cluster, admin: httpx.Client) -> dict[str, Any]:
    """交办 → 签收 → 报送 → 审核通过, through the balancer; what it saw, without ids."""
    planner = staff(c, admin, "planner", region_code=REGION)
    unit = create_unit(planner.http, uniq("袁州区卫健委"), "360902")
    plan = ok(
        planner.http.post(
            "/api/v1/plans",
            json={
                "title": uniq("宜春市卫生健康督导计划-"),
                "level": "city",
                "region_code": REGION,
                "light_rules": {"awaiting_review_light": "yellow"},
                "items": [
                    {"code": "一", "kind": "section", "title": "健全公共卫生体系"},
                    {
                        "code": "一.1",
                        "kind": "task",
                        "title": "建设市级疾控实验室",
                        "deadlines": [{"due_on": _day(120)}],
                    },
                ],
                "assignments": [{"code": "一.1", "unit_id": unit["id"], "role": "lead"}],
            },
        ),
        201,
    )
    pid = plan["id"]
    _publish(planner.http, pid)
    row = ok(planner.http.get("/api/v1/assignments", params={"plan_id": pid}))["items"][0]
    path = f"/api/v1/assignments/{row['id']}"
    u = unit_actor(c, planner.http, unit)
    seen: dict[str, Any] = {"start": (row["status"], row["light"])}
    try:
        acked = ok(u.http.post(f"{path}/acknowledge"))
        seen["ack"] = (bool(acked["acknowledged_at"]), acked["ack_overdue"])
        # Once only, whichever replica the second attempt lands on.
        seen["ack_again"] = u.http.post(f"{path}/acknowledge").status_code
        ok(u.http.post(f"{path}/reports", json={"text": "主体完工", "percent": 60}), 201)
        done = ok(
            u.http.post(
                f"{path}/reports",
                json={"text": "已完工，待验收", "percent": 100, "status": "completed"},
            ),
            201,
        )
        seen["report"] = done["status"]
        task = ok(planner.http.get(f"/api/v1/plans/{pid}/tasks"))["items"][0]
        seen["awaiting"] = (task["status"], task["light"])
        # A stale version is refused on every replica alike.
        stale = '"1"'
        seen["stale_review"] = planner.http.post(
            f"{path}/review", json={"decision": "accept"}, headers={"If-Match": stale}
        ).status_code
        accepted = ok(
            planner.http.post(
                f"{path}/review",
                json={"decision": "accept"},
                headers={"If-Match": etag(planner.http, path)},
            )
        )
        seen["accepted"] = (accepted["status"], accepted["light"])
        # Read back many times: every replica answers the same.
        reads = {
            (r["status"], r["light"], r["version"])
            for r in (ok(u.http.get(path)) for _ in range(6))
        }
        seen["reads"] = sorted(reads)
        seen["reads_agree"] = len(reads) == 1
        lights = ok(planner.http.get(f"/api/v1/plans/{pid}/lights"))
        seen["plan_lights"] = (lights["light"], lights["counts"])
        events = ok(planner.http.get(f"/api/v1/tasks/{row['task_id']}/audit_events"))["items"]
        seen["audit"] = [
            (e["entity"], e["action"], (e["after"] or {}).get("status"), e["actor_role"])
            for e in events
            if e["unit_id"] == unit["id"]
        ]
    finally:
        u.close()
        planner.close()
    return seen


def reminder_sweep(c: Cluster, admin: httpx.Client, hook: WebhookReceiver) -> dict[str, Any]:
    """Three units with a task due soon and one overdue; sweeps requested at once through every
    replica while every worker runs: each reminder reaches its unit once, on every channel."""
    units = [create_unit(admin, uniq("区疾控中心"), REGION) for _ in range(3)]
    plan = ok(
        admin.post(
            "/api/v1/plans",
            json={
                "title": uniq("公共卫生能力提升行动"),
                "level": "city",
                "region_code": REGION,
                "items": [
                    {"code": "一", "kind": "section", "title": "重点任务"},
                    {
                        "code": "一.1",
                        "kind": "task",
                        "title": "完善疾控体系",
                        "deadlines": [{"due_on": _day(3)}],
                    },
                    {
                        "code": "一.2",
                        "kind": "task",
                        "title": "提升应急处置能力",
                        "deadlines": [{"due_on": _day(-2)}],
                    },
                ],
                "assignments": [
                    {"code": code, "unit_id": u["id"], "role": "lead" if n == 0 else "co"}
                    for code in ("一.1", "一.2")
                    for n, u in enumerate(units)
                ],
            },
        ),
        201,
    )
    _publish(admin, plan["id"])
    for u in units:
        _sql(
            c.tasks_db,
            "INSERT INTO contact (id, unit_id, channel, target, secret, enabled, created_by, created_at) "
            "VALUES (:id, :unit, 'webhook', :url, :secret, true, 'e2e', now())",
            id=uuid.uuid4(),
            unit=uuid.UUID(u["id"]),
            url=hook.url,
            secret=hook.secret,
        )
    # Requested at the same moment, landing on every gateway and task replica.
    with ThreadPoolExecutor(6) as pool:
        codes = list(
            pool.map(lambda _: admin.post("/api/v1/reminders/sweeps").status_code, range(6))
        )
    assert codes == [202] * 6

    def quiet() -> bool:
        pending = _sql(
            c.tasks_db,
            "SELECT (SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
            " AND task_name = 'sweep_reminders')"
            " + (SELECT count(*) FROM delivery WHERE status NOT IN ('sent', 'failed'))",
        )[0][0]
        return int(pending) == 0 and len(hook.received) >= 6

    wait_for(quiet, "the sweeps and their deliveries")
    time.sleep(1)  # a duplicate would arrive now, if any
    pid = plan["id"]
    reminders = _sql(
        c.tasks_db,
        "SELECT assignment_id, rule, period FROM reminder WHERE plan_id = :p",
        p=uuid.UUID(pid),
    )
    notices = _sql(
        c.tasks_db,
        "SELECT assignment_id, kind FROM notice WHERE plan_id = :p AND dedupe_key LIKE 'reminder:%'",
        p=uuid.UUID(pid),
    )
    deliveries = _sql(
        c.tasks_db,
        "SELECT d.notice_id, d.status, (SELECT count(*) FROM delivery_attempt a"
        " WHERE a.delivery_id = d.id AND a.ok) FROM delivery d JOIN notice n ON n.id = d.notice_id"
        " WHERE n.plan_id = :p",
        p=uuid.UUID(pid),
    )
    workers = {
        w for (w,) in _sql(c.tasks_db, "SELECT DISTINCT worker FROM delivery_attempt WHERE ok")
    }
    assert workers <= {f"worker-{n}" for n in range(1, c.replicas + 1)}, workers
    unit_inbox = unit_actor(c, admin, units[0])
    try:
        inbox = ok(unit_inbox.http.get("/api/v1/notices"))["items"]
    finally:
        unit_inbox.close()
    return {
        "reminders": sorted(Counter(r for _, r, _ in reminders).items()),
        "reminder_duplicates": len(reminders) - len(set(reminders)),
        "notices": sorted(Counter(k for _, k in notices).items()),
        "notice_duplicates": len(notices) - len(set(notices)),
        "deliveries": sorted(Counter((s, n) for _, s, n in deliveries).items()),
        "delivery_duplicates": len(deliveries) - len({n for n, _, _ in deliveries}),
        "webhook_calls": len(hook.received),
        "webhook_ids_unique": len(set(hook.ids)) == len(hook.ids),
        "webhook_rejected": hook.rejected,
        "inbox": sorted(n["kind"] for n in inbox),
    }


def logout_everywhere(c: Cluster) -> dict[str, Any]:
    """A session ended on one gateway replica is refused by every replica of every service."""
    gateways = c.replica_urls("gateway")
    token = ok(
        httpx.post(
            gateways[0] + "/api/v1/auth/login", json={"username": "admin", "password": c.password}
        ),
        200,
    )["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    targets = [(url, "/api/v1/units") for url in gateways + c.replica_urls("tasks")] + [
        (url, "/api/v1/indicators") for url in c.replica_urls("indicators")
    ]
    before = sorted({_status(url + path, headers=h) for url, path in targets})
    logout = httpx.post(gateways[0] + "/api/v1/auth/logout", headers=h).status_code
    # The replica that ended it refuses at once; the others once the revocation reaches them
    # (a NOTIFY to the gateways, a push stream to the services).
    first = _status(gateways[0] + "/api/v1/units", headers=h)
    for url, path in targets:
        wait_for(
            lambda url=url, path=path: _status(url + path, headers=h) == 401,
            f"the logout to reach {url}",
            timeout=20,
        )
    after = sorted({_status(url + path, headers=h) for url, path in targets})
    return {"before": before, "logout": logout, "same_replica": first, "after": after}


def sign_in_throttle(c: Cluster) -> list[int]:
    """Failed sign-ins alternate between the gateway replicas: the sixth failure of one
    account from one address blocks it on every replica."""
    gateways = c.replica_urls("gateway")
    who = uniq("guesser")
    codes = []
    for n in range(8):
        r = httpx.post(
            gateways[n % len(gateways)] + "/api/v1/auth/login",
            json={"username": who, "password": f"wrong-{n}"},
        )
        codes.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1
    return codes


def scenario(c: Cluster) -> dict[str, Any]:
    admin = client(c.gateway, c.login())
    secret = new_secret()
    try:
        with webhook_receiver(secret) as hook:
            results = {
                # The gateway's hop to the indicator service, spread over its replicas.
                "indicators": sorted(
                    {admin.get("/api/v1/indicators").status_code for _ in range(4)}
                ),
                "unit_flow": unit_flow(c, admin),
                "reminders": reminder_sweep(c, admin, hook),
                "logout": logout_everywhere(c),
                "throttle": sign_in_throttle(c),
            }
    finally:
        admin.close()
    return results


def test_two_replicas_behind_nginx_give_the_results_of_one(  # type: ignore[no-untyped-def]
    databases, tmp_path_factory, keypair
) -> None:
    results: dict[int, dict[str, Any]] = {}
    for replicas in (1, 2):
        with cluster(
            databases, tmp_path_factory.mktemp(f"replicas{replicas}"), keypair, replicas
        ) as c:
            results[replicas] = scenario(c)
            if replicas == 2:
                # Both replicas of every service answered through the balancer.
                for svc in SERVICES:
                    assert len(c.balancer.answered_by(svc)) == 2, svc
    one, two = results[1], results[2]

    # What one replica gives is right in itself ...
    flow = one["unit_flow"]
    assert flow["start"] == ("not_started", "green")
    assert flow["ack"] == (True, False) and flow["ack_again"] == 409
    assert flow["awaiting"] == ("completed", "yellow")
    assert flow["stale_review"] == 412
    assert flow["accepted"] == ("accepted", "green") and flow["reads_agree"]
    assert flow["plan_lights"] == ("green", {"green": 1, "yellow": 0, "red": 0})
    assert [step[:3] for step in flow["audit"]] == [
        ("assignment", "create", None),
        ("assignment", "acknowledge", None),
        ("report", "create", None),
        ("assignment", "status", "in_progress"),
        ("report", "create", "completed"),
        ("assignment", "status", "completed"),
        ("assignment", "accept", "accepted"),
    ], flow["audit"]
    rem = one["reminders"]
    assert rem["reminders"] == [("due_soon", 3), ("overdue", 3)]
    assert rem["notices"] == [("due_soon", 3), ("overdue", 3)]
    assert rem["deliveries"] == [(("sent", 1), 6)]
    assert rem["webhook_calls"] == 6 and rem["webhook_ids_unique"] and rem["webhook_rejected"] == 0
    assert rem["reminder_duplicates"] == rem["notice_duplicates"] == 0
    assert rem["delivery_duplicates"] == 0
    assert rem["inbox"] == ["due_soon", "overdue"]
    assert one["logout"] == {"before": [200], "logout": 204, "same_replica": 401, "after": [401]}
    assert one["throttle"] == [401] * 6 + [429, 429]

    # ... and two replicas of everything give exactly the same.
    assert two == one
