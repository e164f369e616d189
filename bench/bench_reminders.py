"""Benchmark (not a test): one reminder sweep over 100,000 open assignments against the raw SQL
that only selects the due ones, and webhook deliveries per second from a worker process to a
local receiver.

    .venv/bin/python bench/bench_reminders.py [postgresql://user@host:port/db] [--runs N]

Creates a scratch database on that server (default postgresql://postgres@127.0.0.1:5432/postgres,
or $BENCH_DATABASE_URL), migrates it, loads 10 published plans × 1,000 tasks × 10 units
server-side (deadlines spread from 20 days ago to a year ahead, reports spread over the last
month and a few never reported, one unit in twenty with a webhook contact: some thousands of
reminders due), then prints, each measured in this run:

- raw: the median time of the statement that selects the due (assignment, rule, period)s;
- sweep: the median time of one full sweep (selection, reminders, notices, deliveries and
  their jobs written), each run rolled back so every run finds the same work; the ratio
  sweep ÷ raw (goal ≤ 2×);
- repeat: a sweep after one was committed (everything already sent: the steady state);
- deliveries/s: a worker process sending 2,000 signed webhooks to a local HTTP receiver.

The database is dropped afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pg import DatabaseFactory  # noqa: E402
from sqlalchemy import text  # noqa: E402

from dudao_shared import migrate  # noqa: E402
from dudao_shared.clock import LOCAL_TZ, get_today, utcnow  # noqa: E402
from dudao_shared.db import Database  # noqa: E402
from dudao_shared.tokens import generate_keypair  # noqa: E402
from dudao_shared.webhooks import new_secret  # noqa: E402
from dudao_tasks.migrations import MIGRATIONS_DIR  # noqa: E402
from dudao_tasks.notifications.service import enqueue_delivery  # noqa: E402
from dudao_tasks.reminders import service as reminders  # noqa: E402

PLANS, TASKS, UNITS_PER_TASK, UNITS = 10, 1_000, 10, 1_000
DELIVERIES = 2_000

LOAD = [
    """INSERT INTO unit (id, name, level, region_code, version, created_at, updated_at)
       SELECT gen_random_uuid(), '基准单位' || g, 'county', '360112', 1, now(), now()
       FROM generate_series(1, :units) g""",
    """INSERT INTO plan (id, title, level, region_code, status, kind, disclosed, light_rules,
                         version, created_by, created_at, updated_at)
       SELECT gen_random_uuid(), '基准规划' || g, 'county', '360112', 'published', 'plan', false, '{}', 1,
              'bench', now(), now()
       FROM generate_series(1, :plans) g""",
    """INSERT INTO item (id, plan_id, kind, code, label, title, position, sort_key, status,
                         version, created_at, updated_at)
       SELECT gen_random_uuid(), p.id, 'task', g::text, g::text, '基准任务' || g, g,
              lpad(g::text, 5, '0'), 'not_started', 1, now(), now()
       FROM plan p, generate_series(1, :tasks) g""",
    # One or two deadlines per task, from 60 days ago to a year ahead.
    """INSERT INTO item_deadline (id, item_id, due_on, position)
       SELECT gen_random_uuid(), i.id, CAST(:today AS date) + ((hashtext(i.id::text) % 430 + 430) % 430 - 20),
              0
       FROM item i""",
    """INSERT INTO item_deadline (id, item_id, due_on, position)
       SELECT gen_random_uuid(), i.id, CAST(:today AS date) + ((hashtext(i.id::text) % 200 + 200) % 200 - 20),
              1
       FROM item i WHERE hashtext(i.id::text) % 3 = 0""",
    """INSERT INTO assignment (id, plan_id, item_id, unit_id, role, status, last_report_on,
                               version, assigned_at, acknowledged_at, created_at,
                               updated_at)
       SELECT gen_random_uuid(), i.plan_id, i.id,
              ua.ids[1 + (i.position * 7 + k * 101) % :units],
              CASE WHEN k = 0 THEN 'lead' ELSE 'co' END,
              'in_progress',
              CASE WHEN (hashtext(i.id::text) + k) % 33 = 0 THEN NULL
                   ELSE CAST(:today AS date) - (((hashtext(i.id::text) + k * 7) % 32 + 32) % 32) END,
              1, now() - interval '100 days',
              -- Signed for (签收) a day after, except one in fifty: those are the 未签收 due.
              CASE WHEN (hashtext(i.id::text) + k) % 50 <> 0
                   THEN now() - interval '99 days' END,
              now() - interval '100 days', now()
       FROM item i
       CROSS JOIN generate_series(0, :per_task - 1) k
       CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM unit) ua""",
    """INSERT INTO contact (id, unit_id, channel, target, secret, enabled, created_by,
                            created_at)
       SELECT gen_random_uuid(), u.id, 'webhook', 'https://receiver.example/hook', :secret,
              true, 'bench', now()
       FROM unit u WHERE hashtext(u.id::text) % 20 = 0""",
    "ANALYZE",
]


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> float:
    await fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def bench_sweep(url: str, runs: int) -> None:
    db = Database(url)
    today = get_today()
    try:
        t0 = time.perf_counter()
        async with db.sessionmaker() as s:
            for stmt in LOAD[:-1]:
                await s.execute(
                    text(stmt),
                    {
                        "units": UNITS,
                        "plans": PLANS,
                        "tasks": TASKS,
                        "per_task": UNITS_PER_TASK,
                        "today": today,
                        "secret": new_secret(),
                    },
                )
            await s.commit()
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
        async with db.sessionmaker() as s:
            n = await s.scalar(text("SELECT count(*) FROM assignment"))
        print(f"loaded {n:,} open assignments in {time.perf_counter() - t0:.1f} s")

        params = {"today": today, "now": utcnow(), "tz": str(LOCAL_TZ)}
        due = 0

        async def raw() -> None:
            nonlocal due
            async with db.sessionmaker() as s:
                due = len((await s.execute(reminders.due_select(), params)).all())

        written = 0

        async def sweep_rolled_back() -> None:
            nonlocal written
            async with db.sessionmaker() as s:
                written = await reminders.sweep(s, today=today)
                await s.rollback()

        t_raw = await timed(raw, runs)
        print(f"raw: {t_raw * 1000:.1f} ms", flush=True)
        t_sweep = await timed(sweep_rolled_back, runs)
        async with db.sessionmaker() as s:
            await reminders.sweep(s, today=today)
            await s.commit()

        async def sweep_again() -> None:
            async with db.sessionmaker() as s:
                assert await reminders.sweep(s, today=today) == 0
                await s.rollback()

        t_repeat = await timed(sweep_again, runs)
        print(f"due reminders: {due:,} (sweep wrote {written:,} with their notices)")
        print(f"raw selection of the due ones   {t_raw * 1000:8.1f} ms (median of {runs})")
        print(
            f"one sweep (select + write all)  {t_sweep * 1000:8.1f} ms   ratio {t_sweep / t_raw:.2f}×"
        )
        print(
            f"repeat sweep (all sent before)  {t_repeat * 1000:8.1f} ms   ratio {t_repeat / t_raw:.2f}×"
        )
    finally:
        await db.dispose()


class _Receiver(BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length", "0")))
        with _Receiver.lock:
            _Receiver.count += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


async def bench_deliveries(url: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_port}/hook"
    env = dict(os.environ)
    env.update(
        DUDAO_TASKS_DATABASE_URL=url,
        DUDAO_TASKS_JWT_PUBLIC_KEY=generate_keypair()[1],
        DUDAO_TASKS_ENVIRONMENT="test",
        DUDAO_TASKS_LOG_LEVEL="ERROR",
        DUDAO_TASKS_WORKER_CONCURRENCY="16",
        # No periodic sweep during the measurement.
        DUDAO_TASKS_REMINDER_SWEEP_CRON="0 0 1 1 *",
    )
    db = Database(url)
    worker: subprocess.Popen[bytes] | None = None
    try:
        # The sweep's own deliveries (to an address that does not resolve) are not measured.
        async with db.sessionmaker() as s:
            await s.execute(text("DELETE FROM procrastinate_jobs"))
            await s.execute(text("DELETE FROM delivery"))
            await s.commit()
        worker = subprocess.Popen(
            [sys.executable, "-m", "dudao_tasks.worker", "--name", "bench"],
            env=env,
            start_new_session=True,
        )
        time.sleep(3)  # the worker's start-up is not part of the rate
        secret = new_secret()
        async with db.sessionmaker() as s:
            for i in range(DELIVERIES):
                await enqueue_delivery(
                    s,
                    channel="webhook",
                    target=target,
                    payload={"type": "bench", "title": f"消息 {i}", "body": "", "data": {}},
                    secret=secret,
                    dedupe_key=f"bench:{uuid.uuid4()}",
                )
            t0 = time.perf_counter()
            await s.commit()
        while _Receiver.count < DELIVERIES:
            if worker.poll() is not None:
                raise RuntimeError("the worker exited")
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - t0
        print(
            f"webhook deliveries: {DELIVERIES:,} in {elapsed:.1f} s = "
            f"{DELIVERIES / elapsed:,.0f}/s (one worker, 16 slots, local receiver)"
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        server.shutdown()
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "server",
        nargs="?",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one plan of 100 tasks, 50 deliveries, one run: only that the script runs",
    )
    args = parser.parse_args()
    if args.smoke:
        global PLANS, TASKS, UNITS, DELIVERIES
        PLANS, TASKS, UNITS, DELIVERIES, args.runs = 1, 100, 100, 50, 1
    dbs = DatabaseFactory(args.server)
    url = dbs.create("bench_reminders")
    try:
        migrate.upgrade(MIGRATIONS_DIR, url)
        asyncio.run(bench_sweep(url, args.runs))
        asyncio.run(bench_deliveries(url))
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            time.sleep(0.5)
            dbs.drop_all()


if __name__ == "__main__":
    main()
