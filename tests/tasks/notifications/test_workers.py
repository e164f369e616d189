"""Several workers over the same data, and a worker killed mid-run: every reminder, notice and
message goes out exactly as often as expected — never twice, none lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import uuid

import pytest
from sqlalchemy import func, select

from dudao_shared.clock import get_today
from dudao_shared.db import Database
from dudao_shared.jobs import defer_in
from dudao_shared.webhooks import new_secret
from dudao_tasks.models import (
    Assignment,
    Contact,
    Delivery,
    Item,
    ItemDeadline,
    Notice,
    Plan,
    Reminder,
    Unit,
)
from dudao_tasks.reminders.service import SWEEP_TASK

from .peers import start_worker, wait_for, webhook_receiver, worker_env, workers
from .test_worker import _notify, _unit_with

pytestmark = pytest.mark.e2e

FAST_RECOVERY = {
    "DUDAO_TASKS_WORKER_STALLED_SECONDS": "3",
    "DUDAO_TASKS_WORKER_STALLED_CHECK_CRON": "* * * * * *",
}


async def _published_plan(db: Database, n_units: int, hook_url: str, secret: str) -> uuid.UUID:
    """A published plan with one task due in three days, led by ``n_units`` units, each with
    a webhook contact."""
    tag = uuid.uuid4().hex[:6]
    async with db.sessionmaker() as s:
        plan = Plan(
            title=f"并发提醒测试规划 {tag}",
            level="county",
            region_code="360112",
            status="published",
            created_by="test",
        )
        s.add(plan)
        await s.flush()
        item = Item(
            plan_id=plan.id,
            kind="task",
            code="1",
            label="1",
            title="推进医共体建设",
            sort_key="00001",
        )
        s.add(item)
        await s.flush()
        s.add(ItemDeadline(item_id=item.id, due_on=get_today() + dt.timedelta(days=3)))
        for i in range(n_units):
            unit = Unit(name=f"乡镇卫生院{tag}-{i}", level="township", region_code="360112")
            s.add(unit)
            await s.flush()
            s.add(
                Contact(
                    unit_id=unit.id,
                    channel="webhook",
                    target=hook_url,
                    secret=secret,
                    created_by="test",
                )
            )
            s.add(Assignment(plan_id=plan.id, item_id=item.id, unit_id=unit.id, role="lead"))
        await s.commit()
        return plan.id


async def _count(db: Database, stmt) -> int:  # type: ignore[no-untyped-def]
    async with db.sessionmaker() as s:
        return int(await s.scalar(stmt) or 0)


async def test_two_workers_send_exactly_what_is_due(queue_db, keypair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(queue_db)
    secret = new_secret()
    try:
        with webhook_receiver(secret) as hook:
            plan_id = await _published_plan(db, 40, hook.url, secret)
            unit = await _unit_with(db, [("webhook", hook.url, secret)])
            direct = await _notify(db, unit, 60, f"two:{unit}")
            # Five sweeps asked for at once (as periodic ticks and staff requests might be).
            async with db.sessionmaker() as s:
                for _ in range(5):
                    await defer_in(s, SWEEP_TASK, args={"on": get_today().isoformat()})
                await s.commit()
            env = worker_env(queue_db, keypair[1])
            with workers(env, ["wa", "wb"], tmp_path / "logs"):
                await asyncio.to_thread(
                    wait_for, lambda: len(hook.received) >= 100, "100 webhook deliveries"
                )
                # Let any duplicate that would come, come: the queues must run dry.
                await asyncio.to_thread(wait_for, lambda: _queue_empty(queue_db), "empty queue")
            reminders = await _count(
                db, select(func.count()).select_from(Reminder).where(Reminder.plan_id == plan_id)
            )
            notices = await _count(
                db, select(func.count()).select_from(Notice).where(Notice.plan_id == plan_id)
            )
            assert reminders == 40 and notices == 40
            assert len(hook.received) == 100 and len(set(hook.ids)) == 100
            assert hook.rejected == 0
            got = {m["data"]["notice_id"] for m in hook.received}
            assert {str(n) for n in direct} <= got
            async with db.sessionmaker() as s:
                direct_statuses = set(
                    (
                        await s.scalars(
                            select(Delivery.status).where(
                                Delivery.notice_id.in_(direct)  # type: ignore[union-attr]
                            )
                        )
                    ).all()
                )
            assert direct_statuses == {"sent"}
    finally:
        await db.dispose()


def _queue_empty(url: str) -> bool:
    import psycopg

    from dudao_shared.jobs import conninfo

    with psycopg.connect(conninfo(url)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
            " AND task_name <> 'retry_stalled_jobs'"
            " AND (scheduled_at IS NULL OR scheduled_at <= now())"
        ).fetchone()
    return row is not None and row[0] == 0


async def test_worker_killed_mid_run_loses_nothing(queue_db, keypair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(queue_db)
    secret = new_secret()
    try:
        with webhook_receiver(secret) as hook:
            hook.delay = 0.02  # a receiver that takes its time, so the kill lands mid-run
            unit = await _unit_with(db, [("webhook", hook.url, secret)])
            notices = await _notify(db, unit, 200, f"kill:{unit}")
            env = worker_env(queue_db, keypair[1], **FAST_RECOVERY)
            logs = tmp_path / "logs"
            logs.mkdir()
            first = start_worker(env, "wk", logs)
            try:
                await asyncio.to_thread(wait_for, lambda: len(hook.received) >= 40, "40 sent")
                os.killpg(first.pid, signal.SIGKILL)
                first.wait()
                killed_at = len(hook.received)
                assert killed_at < 200
            finally:
                if first.poll() is None:
                    os.killpg(first.pid, signal.SIGKILL)
                    first.wait()
            with workers(env, ["wk"], logs):  # the same worker, restarted

                def all_sent() -> bool:
                    return asyncio.run(_all_sent(queue_db, notices))

                await asyncio.to_thread(wait_for, all_sent, "all 200 sent", 120.0)
            ids = {m["data"]["notice_id"] for m in hook.received}
            assert ids == {str(n) for n in notices}  # none lost
            # None repeated: each delivery was sent by one committed attempt. A message whose
            # send was cut by the kill before its result was written may have reached the
            # receiver once more under the same webhook-id (which Standard Webhooks receivers
            # drop); there are at most as many as the sends in flight.
            repeats = len(hook.ids) - len(set(hook.ids))
            assert repeats <= 4
            async with db.sessionmaker() as s:
                rows = (
                    await s.scalars(
                        select(Delivery).where(Delivery.notice_id.in_(notices))  # type: ignore[union-attr]
                    )
                ).all()
            assert len(rows) == 200
            assert all(r.status == "sent" and r.attempts == 1 for r in rows)
    finally:
        await db.dispose()


async def _all_sent(url: str, notices: list[uuid.UUID]) -> bool:
    db = Database(url)
    try:
        n = await _count(
            db,
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.notice_id.in_(notices), Delivery.status == "sent"),  # type: ignore[union-attr]
        )
        return n == len(notices)
    finally:
        await db.dispose()
