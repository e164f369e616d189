"""The supervision loop end to end: the platform and its worker as real processes, the clock
moved forward step by step through the clock file every process reads, outbound messages
received by a real SMTP server and a webhook receiver that verifies signatures independently.

A plan with deadlines; unit A acknowledges and is granted an extension; unit B's task runs
overdue, the worker's escalation job raises a 督办单 that reaches B's inbox, its webhook and
its mailbox; B answers with evidence, staff close it; at the turn of the month the worker
issues the monthly bulletin with the right counts and ranking, and it opens as .xlsx.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import io
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook
from sqlalchemy import text
from tasks.notifications.peers import wait_for, webhook_receiver

from dudao_cli.main import prepare_scratch_platform
from dudao_cli.platform import SERVICES, Platform
from dudao_shared.clock import LOCAL_TZ, set_clock_offset
from dudao_shared.db import Database
from dudao_shared.jobs import defer_in
from dudao_shared.webhooks import new_secret
from dudao_tasks.bulletins.jobs import BULLETIN_TASK
from dudao_tasks.models import Contact
from dudao_tasks.supervision.jobs import ESCALATE_TASK
from e2e.helpers import client, create_unit, etag, ok, tiny_pdf, uniq, unit_actor

pytestmark = pytest.mark.e2e

REGION = "360900"  # 宜春市


@dataclass
class Mailbox:
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@dataclass
class LoopPlatform:
    platform: Platform
    gateway: str
    password: str
    tasks_db: str
    clock: Path
    mailbox: Mailbox

    def move_to(self, day: dt.date) -> None:
        """Every process's today becomes ``day`` (same time of day as now)."""
        now = dt.datetime.now(LOCAL_TZ)
        set_clock_offset(self.clock, dt.datetime.combine(day, now.time(), LOCAL_TZ) - now)

    def admin(self) -> httpx.Client:
        r = httpx.post(
            self.gateway + "/api/v1/auth/login",
            json={"username": "admin", "password": self.password},
        )
        return client(self.gateway, ok(r, 200)["access_token"])


@pytest.fixture(scope="module")
def loop_platform(databases, tmp_path_factory, keypair) -> Iterator[LoopPlatform]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("loop_platform")
    keys = data_dir / "keys"
    keys.mkdir()
    (keys / "jwt_private.pem").write_text(keypair[0])
    (keys / "jwt_public.pem").write_text(keypair[1])
    clock = data_dir / "clock"
    set_clock_offset(clock, dt.timedelta(0))
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    urls = {svc: databases.create(f"e2e_loop_{svc}") for svc in SERVICES}
    cfg, password = prepare_scratch_platform(
        urls,
        data_dir,
        extra_env={
            "DUDAO_CLOCK_FILE": str(clock),
            "DUDAO_TASKS_SMTP_HOST": "127.0.0.1",
            "DUDAO_TASKS_SMTP_PORT": str(smtp.port),
            "DUDAO_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "10",
        },
    )
    platform = Platform(cfg)
    try:
        platform.start()
        platform.wait_ready(timeout=60)
        yield LoopPlatform(platform, cfg.url("gateway"), password, urls["tasks"], clock, mailbox)
    finally:
        platform.stop()
        smtp.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_job(db_url: str, task: str) -> None:
    """Hand the worker one run of a periodic job now, instead of waiting for its cron tick."""

    async def go() -> None:
        db = Database(db_url)
        try:
            async with db.sessionmaker() as s:
                await defer_in(s, task, args={"timestamp": int(time.time())})
                await s.commit()
        finally:
            await db.dispose()

    asyncio.run(go())


def _add_contacts(db_url: str, unit_id: str, hook_url: str, secret: str, address: str) -> None:
    """The unit's webhook and e-mail (written to the task database: no contacts route yet)."""

    async def go() -> None:
        db = Database(db_url)
        try:
            async with db.sessionmaker() as s:
                for channel, target, key in (
                    ("webhook", hook_url, secret),
                    ("email", address, None),
                ):
                    s.add(
                        Contact(
                            unit_id=uuid.UUID(unit_id),
                            channel=channel,
                            target=target,
                            secret=key,
                            created_by="e2e",
                        )
                    )
                await s.commit()
        finally:
            await db.dispose()

    asyncio.run(go())


def test_supervision_loop(loop_platform: LoopPlatform) -> None:
    lp = loop_platform
    today = dt.datetime.now(LOCAL_TZ).date()
    day = lambda n: (today + dt.timedelta(days=n)).isoformat()  # noqa: E731
    secret = new_secret()
    with webhook_receiver(secret) as hook:
        with lp.admin() as admin:
            a = create_unit(admin, uniq("区卫健委"), REGION)
            b = create_unit(admin, uniq("区疾控中心"), REGION)
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
                                "deadlines": [{"due_on": day(10)}],
                            },
                            {
                                "code": "一.2",
                                "kind": "task",
                                "title": "提升应急处置能力",
                                "deadlines": [{"due_on": day(5)}],
                            },
                        ],
                        "assignments": [
                            {"code": "一.1", "unit_id": a["id"], "role": "lead"},
                            {"code": "一.2", "unit_id": b["id"], "role": "lead"},
                        ],
                    },
                ),
                201,
            )
            ok(
                admin.patch(
                    f"/api/v1/plans/{plan['id']}",
                    json={"status": "published"},
                    headers={"If-Match": etag(admin, f"/api/v1/plans/{plan['id']}")},
                )
            )
            rows = ok(admin.get("/api/v1/assignments", params={"plan_id": plan["id"]}))["items"]
            a1 = next(r for r in rows if r["unit_id"] == a["id"])
            a2 = next(r for r in rows if r["unit_id"] == b["id"])
            _add_contacts(lp.tasks_db, b["id"], hook.url, secret, "jkzx@example.org")

            # 交办 → 签收: unit A acknowledges once.
            unit_a = unit_actor(lp, admin, a)
            acked = ok(unit_a.http.post(f"/api/v1/assignments/{a1['id']}/acknowledge"))
            assert acked["acknowledged_at"] and acked["ack_overdue"] is False
            assert (
                unit_a.http.post(f"/api/v1/assignments/{a1['id']}/acknowledge").status_code == 409
            )

            # 延期申请: a date before today is refused naming the field; the planner approves.
            r = unit_a.http.post(
                f"/api/v1/assignments/{a1['id']}/extension_requests",
                json={"requested_due_on": day(-1), "reason": "资金未到位"},
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "requested_due_on"
            req = ok(
                unit_a.http.post(
                    f"/api/v1/assignments/{a1['id']}/extension_requests",
                    json={"requested_due_on": day(60), "reason": "设备招标延后"},
                ),
                201,
            )
            ok(
                admin.post(
                    f"/api/v1/extension_requests/{req['id']}/decision",
                    json={"decision": "approve", "reason": "同意"},
                    headers={"If-Match": f'"{req["version"]}"'},
                )
            )
            mine = ok(unit_a.http.get(f"/api/v1/assignments/{a1['id']}"))
            assert mine["due_on"] == day(60) and mine["original_due_on"] == day(10)
            decided = ok(unit_a.http.get("/api/v1/notices"))["items"]
            assert [n["kind"] for n in decided] == ["extension_decided"]
            unit_a.close()

        # Three weeks on: B is 16 days past its deadline (the plan's rule: more than 15), A is
        # past its original deadline but inside its extension.
        lp.move_to(today + dt.timedelta(days=21))
        with lp.admin() as admin:
            _run_job(lp.tasks_db, ESCALATE_TASK)
            wait_for(
                lambda: bool(
                    ok(admin.get("/api/v1/supervision_notices", params={"plan_id": plan["id"]}))[
                        "items"
                    ]
                ),
                "the escalation job to raise a 督办单",
            )
            notices = ok(admin.get("/api/v1/supervision_notices", params={"plan_id": plan["id"]}))[
                "items"
            ]
            assert [n["assignment_id"] for n in notices] == [a2["id"]]
            notice = notices[0]
            assert notice["title"].startswith(f"督办〔{(today + dt.timedelta(days=21)).year}〕")
            assert notice["source"] == "overdue"

            # It reached B's inbox, its webhook (signature verified) and its mailbox, once each.
            unit_b = unit_actor(lp, admin, b)
            inbox = ok(unit_b.http.get("/api/v1/notices"))["items"]
            assert [n["kind"] for n in inbox] == ["supervision_notice"]
            wait_for(lambda: len(hook.received) >= 1, "the webhook delivery")
            wait_for(lambda: len(lp.mailbox.messages) >= 1, "the e-mail")
            assert hook.rejected == 0 and len(hook.received) == 1
            assert hook.received[0]["type"] == "notice.supervision_notice"
            assert notice["title"] in hook.received[0]["title"]
            assert len(lp.mailbox.messages) == 1
            assert notice["title"] in str(lp.mailbox.messages[0]["Subject"])
            # Once only: another sweep raises nothing more.
            _run_job(lp.tasks_db, ESCALATE_TASK)
            wait_for(lambda: _jobs_done(lp.tasks_db), "the second sweep")
            assert (
                len(
                    ok(admin.get("/api/v1/supervision_notices", params={"plan_id": plan["id"]}))[
                        "items"
                    ]
                )
                == 1
            )

            # 反馈 with evidence, then staff close it (办结销号).
            answer = ok(
                unit_b.http.post(
                    f"/api/v1/supervision_notices/{notice['id']}/responses",
                    json={"text": "已完成应急演练，附总结"},
                ),
                201,
            )
            ok(
                unit_b.http.post(
                    f"/api/v1/notice_responses/{answer['id']}/files",
                    files={"file": ("总结.pdf", tiny_pdf("drill"), "application/pdf")},
                ),
                201,
            )
            closed = ok(
                admin.post(
                    f"/api/v1/supervision_notices/{notice['id']}/decision",
                    json={"decision": "close"},
                    headers={
                        "If-Match": etag(admin, f"/api/v1/supervision_notices/{notice['id']}")
                    },
                )
            )
            assert closed["status"] == "closed" and closed["responses"][0]["files"]
            unit_b.close()

            # Unit A finishes and is accepted inside its extension.
            unit_a = unit_actor(lp, admin, a)
            ok(
                unit_a.http.post(
                    f"/api/v1/assignments/{a1['id']}/reports",
                    json={"percent": 100, "text": "疾控体系建设完成", "status": "completed"},
                ),
                201,
            )
            unit_a.close()
            ok(
                admin.post(
                    f"/api/v1/assignments/{a1['id']}/review",
                    json={"decision": "accept"},
                    headers={"If-Match": etag(admin, f"/api/v1/assignments/{a1['id']}")},
                )
            )

        # The month turns: the worker issues last month's bulletin.
        first = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
        lp.move_to(first)
        with lp.admin() as admin:
            _run_job(lp.tasks_db, BULLETIN_TASK)
            found: list[dict[str, Any]] = []

            def issued() -> bool:
                found[:] = ok(
                    admin.get(
                        "/api/v1/bulletins", params={"plan_id": plan["id"], "kind": "scheduled"}
                    )
                )["items"]
                return bool(found)

            wait_for(issued, "the monthly bulletin")
            assert len(found) == 1
            bulletin = ok(admin.get(f"/api/v1/bulletins/{found[0]['id']}"))
            last_month_end = first - dt.timedelta(days=1)
            assert bulletin["period_end"] == last_month_end.isoformat()
            c = bulletin["content"]
            assert c["totals"] == {
                "assignments": 2,
                "done": 1,
                "on_time": 1,
                "late": 0,
                "returned": 0,
                "overdue": 1,
                "open_notices": 0,
            }
            assert [(u["unit_id"], u["rank"]) for u in c["units"]] == [(a["id"], 1), (b["id"], 2)]
            assert [r["task_code"] for r in c["red_list"]] == ["一.2"]
            x = admin.get(f"/api/v1/bulletins/{bulletin['id']}/bulletin.xlsx")
            assert x.status_code == 200
            wb = load_workbook(io.BytesIO(x.content))
            ranking = list(wb["单位排名"].iter_rows(min_row=3, values_only=True))
            assert [(r[0], r[1]) for r in ranking] == [(1, a["name"]), (2, b["name"])]
            # Issued once: another run of the job adds none.
            _run_job(lp.tasks_db, BULLETIN_TASK)
            wait_for(lambda: _jobs_done(lp.tasks_db), "the second bulletin run")
            assert (
                len(
                    ok(
                        admin.get(
                            "/api/v1/bulletins", params={"plan_id": plan["id"], "kind": "scheduled"}
                        )
                    )["items"]
                )
                == 1
            )


def _jobs_done(db_url: str) -> bool:
    """No job of the default queue is waiting or running."""

    async def go() -> bool:
        db = Database(db_url)
        try:
            async with db.sessionmaker() as s:
                n = await s.scalar(
                    text(
                        "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'default' "
                        "AND status IN ('todo', 'doing') AND task_name IN (:a, :b)"
                    ),
                    {"a": ESCALATE_TASK, "b": BULLETIN_TASK},
                )
                return int(n or 0) == 0
        finally:
            await db.dispose()

    return asyncio.run(go())
