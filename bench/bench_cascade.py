"""Benchmark (not a test): cascade a province plan of 30 tasks to Jiangxi's 100 counties (3,000
copies) and roll the 3,000 copies back up, through the task service's code next to raw SQL
doing the same inserts and the same aggregate.

    .venv/bin/python bench/bench_cascade.py [postgresql://user@host:port/db] [--runs N]

Creates a scratch database on that server (default postgresql://postgres@127.0.0.1:5432/postgres,
or $BENCH_DATABASE_URL), migrates it, creates the plan through the service, then times (median
of N runs, interleaved, each run rolled back):
- cascade: ``cascade.service.deliver`` vs INSERT … SELECT of the 100 lists, 3,000 copies and
  their deadlines;
- roll-up: ``cascade.service.rollup`` (state, light, latest report and coverage per copy, the
  parent by the documented rule) vs one GROUP BY over the copies (counts done / late / silent
  and the least advanced state);
prints the medians and the ratio service ÷ raw, and drops the database (unless --keep).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for sub in ("shared", "services/tasks"):
    sys.path.insert(0, str(ROOT / sub))

import asyncpg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from dudao_shared import migrate  # noqa: E402
from dudao_shared.auth import Principal  # noqa: E402
from dudao_shared.db import Database  # noqa: E402
from dudao_tasks.cascade import service as cascade  # noqa: E402
from dudao_tasks.migrations import MIGRATIONS_DIR  # noqa: E402
from dudao_tasks.models import Item, Plan, Unit  # noqa: E402
from dudao_tasks.plans.schemas import AssignmentSpec, DeadlineIn, ItemSpec, PlanCreate  # noqa: E402
from dudao_tasks.plans.service import create_plan_tree  # noqa: E402
from dudao_tasks.regions import service as regions  # noqa: E402

TASKS = 30
PROVINCE = "360000"
TODAY = dt.date(2025, 7, 1)
ADMIN = Principal(sub="bench", role="admin")


def libpq(url: str, database: str | None = None) -> str:
    u = make_url(url).set(drivername="postgresql")
    if database is not None:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


async def timed_pair(
    svc: Callable[[], Awaitable[Any]], raw: Callable[[], Awaitable[Any]], runs: int
) -> tuple[float, float, Any, Any]:
    """Medians of the two, measured interleaved so drift in a shared machine hits both alike."""
    out_svc, out_raw = await svc(), await raw()
    t_svc, t_raw = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        out_svc = await svc()
        t1 = time.perf_counter()
        out_raw = await raw()
        t2 = time.perf_counter()
        t_svc.append((t1 - t0) * 1000)
        t_raw.append((t2 - t1) * 1000)
    return statistics.median(t_svc), statistics.median(t_raw), out_svc, out_raw


async def make_plan(db: Database) -> uuid.UUID:
    """A province plan of 30 tasks, each led by 各县（市、区）政府 (so each reaches 100 counties)."""
    async with db.sessionmaker() as s:
        unit = Unit(name="各县（市、区）政府", level="province", region_code=PROVINCE)
        s.add(unit)
        await s.flush()
        items = [ItemSpec(code="一", kind="section", title="主要任务")] + [
            ItemSpec(
                code=f"一.{k + 1}",
                kind="task",
                title=f"任务{k + 1}",
                deadlines=[
                    DeadlineIn(due_on=dt.date(2025, 6, 30) if k % 2 else dt.date(2025, 12, 31))
                ],
            )
            for k in range(TASKS)
        ]
        plan = await create_plan_tree(
            s,
            principal=ADMIN,
            plan=PlanCreate(title="省级实施意见", level="province", region_code=PROVINCE),
            items=items,
            assignments=[
                AssignmentSpec(code=f"一.{k + 1}", unit_id=unit.id, role="lead")
                for k in range(TASKS)
            ],
            today=TODAY,
        )
        await s.commit()
        return plan.id


RAW_CASCADE = [
    """
    INSERT INTO plan (id, title, level, region_code, status, kind, parent_plan_id, disclosed,
                      light_rules, version, created_by, created_at, updated_at)
    SELECT gen_random_uuid(), p.title || '（' || r.name || '承接任务）', 'county', r.code,
           'published', 'delivered', p.id, false, p.light_rules, 1, 'bench', now(), now()
    FROM plan p, unnest(CAST(:codes AS text[]), CAST(:names AS text[])) AS r(code, name)
    WHERE p.id = :plan
    """,
    """
    INSERT INTO item (id, plan_id, kind, code, label, title, body, source_item_id, position,
                      sort_key, status, due_on, version, created_at, updated_at)
    SELECT gen_random_uuid(), l.id, i.kind, i.code, i.label, i.title, i.body, i.id, i.position,
           i.sort_key, 'not_started', i.due_on, 1, now(), now()
    FROM item i JOIN plan l ON l.parent_plan_id = i.plan_id AND l.kind = 'delivered'
    WHERE i.plan_id = :plan AND i.kind = 'task'
    """,
    """
    INSERT INTO item_deadline (id, item_id, due_on, text, position)
    SELECT gen_random_uuid(), c.id, d.due_on, d.text, d.position
    FROM item c JOIN item_deadline d ON d.item_id = c.source_item_id
    JOIN item i ON i.id = c.source_item_id
    WHERE i.plan_id = :plan
    """,
]

RAW_ROLLUP = """
SELECT c.source_item_id,
       count(*) AS total,
       count(*) FILTER (WHERE c.status IN ('completed', 'accepted')) AS done,
       count(*) FILTER (WHERE c.status NOT IN ('completed', 'accepted') AND c.due_on < :today)
           AS late,
       count(*) FILTER (WHERE c.status NOT IN ('completed', 'accepted') AND NOT EXISTS (
           SELECT 1 FROM progress_report r WHERE r.item_id = c.id)) AS silent,
       min(array_position(ARRAY['not_started', 'in_progress', 'returned', 'completed',
                                'accepted'], c.status::text)) AS least
FROM item c
WHERE c.source_item_id = ANY(CAST(:parents AS uuid[]))
GROUP BY c.source_item_id
"""


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "url",
        nargs="?",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    ap.add_argument("--smoke", action="store_true", help="one run: only that the script runs")
    args = ap.parse_args()
    if args.smoke:
        args.runs = 1
    name = f"dudao_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(libpq(args.url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = libpq(args.url, name)
    print(f"· scratch database {name}", flush=True)
    db: Database | None = None
    try:
        migrate.upgrade(MIGRATIONS_DIR, url)
        db = Database(url)
        plan_id = await make_plan(db)
        counties = [r for r in regions.all_regions() if r.level == "county"]
        print(f"· plan of {TASKS} tasks → {len(counties)} counties", flush=True)

        async def svc_cascade() -> int:
            assert db is not None
            async with db.sessionmaker() as s:
                plan = await s.get(Plan, plan_id)
                assert plan is not None
                result = await cascade.deliver(s, principal=ADMIN, plan=plan)
                await s.rollback()
                return result.copies_created

        async def raw_cascade() -> int:
            assert db is not None
            async with db.sessionmaker() as s:
                params = {
                    "plan": plan_id,
                    "codes": [r.code for r in counties],
                    "names": [r.name for r in counties],
                }
                n = 0
                for stmt in RAW_CASCADE:
                    res = await s.execute(text(stmt), params)
                    n = res.rowcount if "INTO item " in stmt else n  # type: ignore[attr-defined]
                await s.rollback()
                return n

        c_svc, c_raw, n_svc, n_raw = await timed_pair(svc_cascade, raw_cascade, args.runs)
        assert n_svc == n_raw == TASKS * len(counties), (n_svc, n_raw)

        # Deliver for good, then give the copies a spread of states for the roll-up.
        async with db.sessionmaker() as s:
            plan = await s.get(Plan, plan_id)
            assert plan is not None
            await cascade.deliver(s, principal=ADMIN, plan=plan)
            await s.execute(
                text(
                    """
                    UPDATE item SET status = (ARRAY['not_started', 'in_progress', 'completed',
                        'accepted', 'returned'])[1 + abs(hashtext(id::text)) % 5]
                    WHERE source_item_id IS NOT NULL
                    """
                )
            )
            await s.commit()
        async with db.sessionmaker() as s:
            parents = list(
                (
                    await s.execute(
                        select(Item).where(Item.plan_id == plan_id, col(Item.kind) == "task")
                    )
                ).scalars()
            )
        scope = cascade.Scope(plan, None)

        async def svc_rollup() -> int:
            assert db is not None
            async with db.read_sessionmaker() as s:
                rows = await cascade.rollup(s, parents, scope=scope, today=TODAY)
                return sum(r.counts["total"] for r in rows)

        async def raw_rollup() -> int:
            assert db is not None
            async with db.read_sessionmaker() as s:
                rows = (
                    await s.execute(
                        text(RAW_ROLLUP), {"parents": [p.id for p in parents], "today": TODAY}
                    )
                ).all()
                return sum(r.total for r in rows)

        r_svc, r_raw, t_svc, t_raw = await timed_pair(svc_rollup, raw_rollup, args.runs)
        assert t_svc == t_raw == TASKS * len(counties), (t_svc, t_raw)

        print()
        print(f"{'':34}{'service ms':>12}{'raw SQL ms':>12}{'ratio':>8}")
        print(
            f"{f'cascade {TASKS} tasks → {len(counties)} counties':34}"
            f"{c_svc:>12.1f}{c_raw:>12.1f}{c_svc / c_raw:>8.1f}"
        )
        print(
            f"{f'roll-up {TASKS * len(counties):,} copies':34}"
            f"{r_svc:>12.1f}{r_raw:>12.1f}{r_svc / r_raw:>8.1f}"
        )
    finally:
        if db is not None:
            await db.dispose()
        if not args.keep:
            admin = await asyncpg.connect(libpq(args.url))
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        else:
            print(f"· kept {name}")


if __name__ == "__main__":
    asyncio.run(main())
