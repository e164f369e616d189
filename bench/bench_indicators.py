"""Benchmark (not a test): the plan scorecard and "latest value per region" with 1,000,000
measurements, through the indicator service's code next to the same query in raw SQL.

    .venv/bin/python bench/bench_indicators.py [postgresql://user@host:port/db] [--runs N]

Creates a scratch database on that server (default postgresql://postgres@127.0.0.1:5432/postgres,
or $BENCH_DATABASE_URL), migrates it, loads 20 indicators × 500 regions × 100 monthly periods
server-side (INSERT … SELECT generate_series), computes the 10,000 assessments with the
service, times each query (median of N runs after warm-up), prints the medians and the ratio
service ÷ raw, and drops the database (unless --keep).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for sub in ("shared", "services/indicators", "services/tasks"):
    sys.path.insert(0, str(ROOT / sub))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from dudao_indicators.assessments import service as assessments_service  # noqa: E402
from dudao_indicators.config import Settings  # noqa: E402
from dudao_indicators.indicators.bulk import BulkIndicatorsIn, bulk_create  # noqa: E402
from dudao_indicators.main import create_app  # noqa: E402
from dudao_indicators.measurements import service as measurements_service  # noqa: E402
from dudao_indicators.migrations import MIGRATIONS_DIR  # noqa: E402
from dudao_indicators.plans import get_tasks_client  # noqa: E402
from dudao_indicators.reports import service as reports_service  # noqa: E402
from dudao_shared import migrate  # noqa: E402
from dudao_shared.db import Database  # noqa: E402
from dudao_shared.http import ServiceClient  # noqa: E402
from dudao_shared.prepared import driver  # noqa: E402
from dudao_shared.tokens import TokenSigner, generate_keypair  # noqa: E402
from dudao_tasks.config import Settings as TasksSettings  # noqa: E402
from dudao_tasks.main import create_app as create_tasks_app  # noqa: E402
from dudao_tasks.migrations import MIGRATIONS_DIR as TASKS_MIGRATIONS_DIR  # noqa: E402

SERVICE_TOKEN = "bench-service-token-0123456789abcdef0123456789"

INDICATORS = 20
REGIONS = 500
PERIODS = 100  # months from 2017-01
# The plan the indicators belong to: created in the task service's scratch database (which the
# indicator service asks for the plan's region on each scorecard request), its id set in main.
PLAN = ""
PROVINCE = "360000"


def region_codes() -> list[str]:
    codes = [PROVINCE]
    for city in range(1, 12):
        codes.append(f"36{city:02d}00")
    city, county = 1, 1
    while len(codes) < REGIONS:
        codes.append(f"36{city:02d}{county:02d}")
        city += 1
        if city > 11:
            city, county = 1, county + 1
    return codes


def libpq(url: str, database: str | None = None) -> str:
    u = make_url(url).set(drivername="postgresql")
    if database is not None:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


async def timed_pair(
    svc: Callable[[], Awaitable[Any]], raw: Callable[[], Awaitable[Any]], runs: int
) -> tuple[float, float, Any, Any]:
    """Medians of the two, measured interleaved so drift in a shared machine hits both alike."""
    for _ in range(3):
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


RAW_LATEST = """
SELECT r.region_code, m.id, m.period, m.value, m.status
FROM unnest($2::text[]) AS r(region_code)
CROSS JOIN LATERAL (
    SELECT id, period, value, status FROM measurement
    WHERE indicator_id = $1 AND region_code = r.region_code
      AND status IN ('submitted', 'approved')
    ORDER BY period_end DESC LIMIT 1
) m
ORDER BY r.region_code
"""

RAW_SCORECARD = """
SELECT i.id, i.code, i.seq, i.name, i.domain, i.measure_unit, i.nature, i.direction,
       t.baseline_year, t.baseline_value, t.text, t.kind, t.target_year, t.resolved_value,
       m.period, m.value, a.status, a.score, a.method, a.ratio, a.components
FROM indicator i
LEFT JOIN target t ON t.indicator_id = i.id AND t.scope = 'all'
LEFT JOIN LATERAL (
    SELECT period, value FROM measurement
    WHERE indicator_id = i.id AND region_code = $2 AND status IN ('submitted', 'approved')
    ORDER BY period_end DESC LIMIT 1
) m ON true
LEFT JOIN assessment a ON a.indicator_id = i.id AND a.region_code = $2
WHERE i.plan_id = $1
ORDER BY i.position, i.code
"""


async def load(url: str, db: Database, regions: list[str], periods: int) -> list[str]:
    print(f"· creating {INDICATORS} indicators with targets through the bulk service …", flush=True)
    async with db.sessionmaker() as s:
        body = BulkIndicatorsIn(
            plan_id=PLAN,
            region_code=PROVINCE,
            indicators=[
                {
                    "seq": str(k + 1),
                    "name": f"指标{k + 1}",
                    "domain": f"领域{k % 4 + 1}",
                    "unit": "人",
                    "nature": "约束性" if k % 5 == 0 else "预期性",
                    "baseline": {"year": 2020, "value": 50},
                    "target": {
                        "year": 2025,
                        "comparator": ">=" if k % 2 else "<=",
                        "value": 60 if k % 2 else 40,
                    },
                    "milestones": [{"year": 2023, "value": 56 if k % 2 else 44}]
                    if k % 3 == 0
                    else [],
                }
                for k in range(INDICATORS)
            ],
        )
        result = await bulk_create(s, data=body)
        await s.commit()
    ids = [i.id for i in result.items]
    conn = await asyncpg.connect(url)
    try:
        t0 = time.perf_counter()
        for n, ind in enumerate(ids, start=1):
            # One statement per indicator: 500 regions × 100 months, generated in the server.
            await conn.execute(
                """
                INSERT INTO measurement (id, indicator_id, region_code, period, period_end, value,
                    status, reported_by, version, created_at, updated_at)
                SELECT gen_random_uuid()::text, $1, r, to_char(d, 'YYYY-MM'),
                       (d + interval '1 month - 1 day')::date,
                       round((45 + random() * 10 + extract(year from d) - 2017)::numeric, 2),
                       'approved', 'bench', 1, now(), now()
                FROM unnest($2::text[]) AS r,
                     generate_series('2017-01-01'::date, '2017-01-01'::date
                                     + ($3 - 1) * interval '1 month', interval '1 month') AS d
                """,
                ind,
                regions,
                periods,
            )
            rows = n * len(regions) * periods
            rate = rows / (time.perf_counter() - t0)
            bar = "#" * (30 * n // len(ids))
            print(
                f"\r· measurements [{bar:<30}] {rows:>9,} rows  {rate:,.0f} rows/s",
                end="",
                flush=True,
            )
        print(flush=True)
        print("· ANALYZE …", flush=True)
        await conn.execute("ANALYZE")
        total = await conn.fetchval("SELECT count(*) FROM measurement")
        print(f"· {total:,} measurements stored", flush=True)
    finally:
        await conn.close()
    return ids


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "url",
        nargs="?",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument(
        "--periods",
        type=int,
        default=PERIODS,
        help="monthly periods per indicator and region (100 → 1,000,000 rows)",
    )
    ap.add_argument("--profile", action="store_true", help="cProfile the service scorecard")
    ap.add_argument(
        "--keep",
        action="store_true",
        help="keep the scratch database (to EXPLAIN against it); drop it yourself afterwards",
    )
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="8 indicators × 20 regions × 2 months, two runs: only that the script runs",
    )
    args = ap.parse_args()
    global PLAN, INDICATORS, REGIONS
    if args.smoke:
        INDICATORS, REGIONS, args.periods, args.runs = 8, 20, 2, 2
    name = f"dudao_bench_{uuid.uuid4().hex[:10]}"
    tasks_name = f"{name}_tasks"
    admin = await asyncpg.connect(libpq(args.url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.execute(f'CREATE DATABASE "{tasks_name}"')
    await admin.close()
    url = libpq(args.url, name)
    tasks_url = libpq(args.url, tasks_name)
    print(f"· scratch databases {name}, {tasks_name}", flush=True)
    db: Database | None = None
    stack = contextlib.AsyncExitStack()
    try:
        migrate.upgrade(MIGRATIONS_DIR, url)
        migrate.upgrade(TASKS_MIGRATIONS_DIR, tasks_url)
        db = Database(url)
        private, public = generate_keypair()
        signer = TokenSigner(private, issuer="dudao-gateway", audience="dudao")
        token, _ = signer.issue(sub="bench", role="leader", ttl_seconds=3600)
        tasks_app = create_tasks_app(
            TasksSettings(
                environment="test",
                database_url=tasks_url,
                jwt_public_key=public,
                storage_dir=str(Path(os.environ.get("TMPDIR", "/tmp")) / tasks_name),
                service_token=SERVICE_TOKEN,
                log_level="WARNING",
            )
        )
        app = create_app(
            Settings(
                environment="test",
                database_url=url,
                jwt_public_key=public,
                service_token=SERVICE_TOKEN,
                log_level="WARNING",
            )
        )
        # The real task service in-process: the scorecard's plan check is one request to it.
        tasks_client = ServiceClient(
            "任务服务",
            "http://tasks",
            transport=httpx.ASGITransport(app=tasks_app),
            service_token=SERVICE_TOKEN,
        )
        app.dependency_overrides[get_tasks_client] = lambda: tasks_client
        await stack.enter_async_context(tasks_app.router.lifespan_context(tasks_app))
        admin_token, _ = signer.issue(sub="bench-admin", role="admin", ttl_seconds=3600)
        plan = await tasks_client.post_json(
            "/api/v1/plans",
            {"title": "基准规划", "level": "province", "region_code": PROVINCE},
            token=admin_token,
        )
        PLAN = str(plan["id"])
        regions = region_codes()
        ids = await load(url, db, regions, args.periods)

        print(f"· computing {INDICATORS * REGIONS:,} assessments with the service …", flush=True)
        t0 = time.perf_counter()
        async with db.sessionmaker() as s:
            n = await assessments_service.recompute_plan(s, plan_id=PLAN)
            await s.commit()
        print(f"  {n:,} assessments in {time.perf_counter() - t0:.1f} s", flush=True)

        raw = await asyncpg.connect(url)
        raw_latest = await raw.prepare(RAW_LATEST)
        raw_card = await raw.prepare(RAW_SCORECARD)
        ind = ids[7]
        city = "360100"

        # A session as a GET route gets one (autocommit: no BEGIN and ROLLBACK round trips).
        async def svc_latest() -> Any:
            async with db.read_sessionmaker() as s:  # type: ignore[union-attr]
                return await measurements_service.latest_by_region(
                    s, indicator_id=ind, within_region=None
                )

        async def sql_latest() -> Any:
            return await raw_latest.fetch(ind, regions)

        async def svc_card() -> Any:
            # As the route gets it: a pooled driver connection, no session.
            async with db.read_connection() as conn:  # type: ignore[union-attr]
                return await reports_service.scorecard(conn, plan_id=PLAN, region_code=city)

        async def sql_card() -> Any:
            return await raw_card.fetch(PLAN, city)

        # The same service code on one held session: the query and model building alone,
        # without the per-request session's pool checkout (and its pre-ping).
        held = db.sessionmaker()

        async def held_latest() -> Any:
            return await measurements_service.latest_by_region(
                held, indicator_id=ind, within_region=None
            )

        async def held_card() -> Any:
            return await reports_service.scorecard(
                await driver(held), plan_id=PLAN, region_code=city
            )

        async with app.router.lifespan_context(app):
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench",
                headers={"Authorization": f"Bearer {token}"},
            )

            async def http_card() -> Any:
                r = await client.get(f"/api/v1/scorecards/{PLAN}", params={"region_code": city})
                assert r.status_code == 200, r.text
                return r.json()["rows"]

            async def http_latest() -> Any:
                r = await client.get("/api/v1/measurements/latest", params={"indicator_id": ind})
                assert r.status_code == 200, r.text
                return r.json()["items"]

            if args.profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
                for _ in range(200):
                    await held_card()
                prof.disable()
                pstats.Stats(prof).sort_stats("tottime").print_stats(30)
            print(
                f"· timing (median of {args.runs} interleaved runs after 3 warm-up runs) …",
                flush=True,
            )
            results = []
            for label, svc, sql in (
                (
                    f"latest value per region (1 indicator, {REGIONS} regions)",
                    svc_latest,
                    sql_latest,
                ),
                ("  … service code on a held session", held_latest, sql_latest),
                ("  … through HTTP in-process", http_latest, sql_latest),
                (f"plan scorecard ({INDICATORS} indicators, 1 region)", svc_card, sql_card),
                ("  … service code on a held session", held_card, sql_card),
                ("  … through HTTP in-process", http_card, sql_card),
            ):
                t_svc, t_sql, out_svc, out_sql = await timed_pair(svc, sql, args.runs)
                rows = len(out_svc.rows) if hasattr(out_svc, "rows") else len(out_svc)
                assert rows == len(out_sql), (rows, len(out_sql))
                results.append((label, rows, t_svc, t_sql))
            await client.aclose()
        await tasks_client.aclose()
        await held.close()
        await raw.close()
        print()
        print(f"{'query':<52} {'rows':>5} {'service ms':>11} {'raw SQL ms':>11} {'ratio':>6}")
        for label, rows, t_svc, t_sql in results:
            print(f"{label:<52} {rows:>5} {t_svc:>11.2f} {t_sql:>11.2f} {t_svc / t_sql:>6.2f}")
    finally:
        await stack.aclose()
        if db is not None:
            await db.dispose()
        if args.keep:
            print(f"· kept {name} and {tasks_name}: drop them when done", flush=True)
        else:
            admin = await asyncpg.connect(libpq(args.url))
            for db_name in (name, tasks_name):
                await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            await admin.close()
            print(f"· dropped {name}, {tasks_name}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
