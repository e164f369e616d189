"""Benchmark (not a test): compute and render one evaluation of a plan with 500 tasks and 100
indicators × 100 regions × 5 years, next to the raw SQL that gathers the same numbers.

    .venv/bin/python bench/bench_evaluation.py [postgresql://user@host:port/db] [--runs N]

Creates scratch databases for the task and indicator services on that server (default
$BENCH_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/postgres), migrates them, runs both
apps in this process (the task service reads the indicator service over in-process HTTP),
loads the plan, its 500 tasks given to 40 units with a history, and the measurements
(INSERT … SELECT generate_series), computes the assessments with the indicator service, then
times (median of N runs) the evaluation's compute (POST /evaluations), its .xlsx and its PDF,
and the raw SQL for the same counts, and prints the medians and the ratios. Drops the
databases afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from pg import DatabaseFactory  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from dudao_indicators.assessments import service as assessments_service  # noqa: E402
from dudao_indicators.config import Settings as IndicatorSettings  # noqa: E402
from dudao_indicators.main import create_app as indicators_app  # noqa: E402
from dudao_indicators.migrations import MIGRATIONS_DIR as IND_MIGRATIONS  # noqa: E402
from dudao_indicators.plans import get_tasks_client  # noqa: E402
from dudao_shared import migrate  # noqa: E402
from dudao_shared.db import get_database  # noqa: E402
from dudao_shared.http import ServiceClient  # noqa: E402
from dudao_shared.tokens import TokenSigner, generate_keypair  # noqa: E402
from dudao_tasks.config import Settings as TaskSettings  # noqa: E402
from dudao_tasks.evaluations import renders  # noqa: E402
from dudao_tasks.evaluations.dependencies import indicators_client  # noqa: E402
from dudao_tasks.main import create_app as tasks_app  # noqa: E402
from dudao_tasks.migrations import MIGRATIONS_DIR as TASK_MIGRATIONS  # noqa: E402

TASKS, SECTIONS, UNITS = 500, 10, 40
INDICATORS, REGIONS, YEARS = 100, 100, 5
CITY = "360900"


def regions() -> list[str]:
    # 宜春市 and 99 made-up county codes under it: the roll-up only needs them to nest.
    return [CITY] + [f"3609{n:02d}" for n in range(1, REGIONS)]


RAW_TASKS = """
WITH t AS (
  SELECT i.id, i.status, i.due_on, split_part(i.sort_key, '.', 1) AS root,
         (SELECT max(a.completed_at AT TIME ZONE 'Asia/Shanghai')::date FROM assignment a
           WHERE a.item_id = i.id AND a.status IN ('completed', 'accepted')) AS done_on
    FROM item i WHERE i.plan_id = $1 AND i.kind IN ('task', 'project')),
o AS (
  SELECT root, CASE
    WHEN status IN ('completed', 'accepted') AND done_on <= $2
      THEN CASE WHEN due_on IS NULL OR done_on <= due_on THEN 'on_time' ELSE 'late' END
    WHEN status = 'returned' THEN 'returned'
    WHEN due_on < $2 THEN 'overdue'
    WHEN status = 'not_started' THEN 'not_started'
    ELSE 'in_progress' END AS outcome FROM t)
SELECT root, outcome, count(*) FROM o GROUP BY ROLLUP (root), outcome
"""
RAW_UNITS = """
SELECT u.name, a.role, CASE
    WHEN a.status IN ('completed', 'accepted')
         AND (a.completed_at AT TIME ZONE 'Asia/Shanghai')::date <= $2
      THEN CASE WHEN i.due_on IS NULL
                  OR (a.completed_at AT TIME ZONE 'Asia/Shanghai')::date <= i.due_on
                THEN 'on_time' ELSE 'late' END
    WHEN a.status = 'returned' THEN 'returned'
    WHEN i.due_on < $2 THEN 'overdue'
    WHEN a.status = 'not_started' THEN 'not_started'
    ELSE 'in_progress' END AS outcome, count(*)
FROM assignment a JOIN unit u ON u.id = a.unit_id JOIN item i ON i.id = a.item_id
WHERE a.plan_id = $1 AND i.kind IN ('task', 'project')
GROUP BY 1, 2, 3
"""
RAW_INDICATORS = """
SELECT i.nature, a.status, count(*) FROM indicator i
JOIN assessment a ON a.indicator_id = i.id AND a.region_code = $2
WHERE i.plan_id = $1 GROUP BY 1, 2
"""
RAW_REGIONS = """
SELECT a.region_code, a.status, count(*) FROM assessment a
JOIN indicator i ON i.id = a.indicator_id WHERE i.plan_id = $1 GROUP BY 1, 2
"""


# The credential the in-process services present to each other's /internal routes.
SERVICE_TOKEN = "bench-service-token-0123456789abcdef0123456789abcdef"


async def rendered(app: Any, c: httpx.AsyncClient, ev_id: str, fmt: str) -> httpx.Response:
    """A file as the routes give it: asked for (202), made by the render job (run here, in
    the process, as the worker runs it), downloaded."""
    r = await c.post(f"/api/v1/evaluations/{ev_id}/render/{fmt}")
    assert r.status_code == 202, r.text
    assert await renders.run(get_database.of(app).sessionmaker, uuid.UUID(r.json()["id"])) == "done"
    r = await c.get(f"/api/v1/evaluations/{ev_id}/evaluation.{fmt}")
    assert r.status_code == 200, r.text
    return r


async def load_tasks(url: str, plan_id: uuid.UUID) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """INSERT INTO plan (id, title, level, region_code, status, kind, disclosed, light_rules,
                 version, created_by, created_at, updated_at, period_start, period_end)
               VALUES ($1, '宜春市卫生健康发展规划（基准测试）', 'city', $2, 'published', 'plan', false, '{}', 1,
                 'bench', now(), now(), 2021, 2025)""",
            plan_id,
            CITY,
        )
        await conn.execute(
            """INSERT INTO unit (id, name, level, region_code, version, created_at, updated_at)
               SELECT gen_random_uuid(), '单位' || lpad(n::text, 2, '0'), 'city', $1, 1,
                      now(), now() FROM generate_series(1, $2) n""",
            CITY,
            UNITS,
        )
        await conn.execute(
            """INSERT INTO item (id, plan_id, kind, code, label, title, position, sort_key,
                 status, version, created_at, updated_at)
               SELECT gen_random_uuid(), $1, 'section', s::text, s::text, '章节' || s, s,
                      lpad(s::text, 5, '0'), 'not_started', 1, now(), now()
               FROM generate_series(1, $2) s""",
            plan_id,
            SECTIONS,
        )
        await conn.execute(
            """INSERT INTO item (id, plan_id, parent_id, kind, code, label, title, position,
                 sort_key, status, due_on, version, created_at, updated_at)
               SELECT gen_random_uuid(), $1, p.id, 'task', p.code || '.' || n, n::text,
                      '任务' || n, n, p.sort_key || '.' || lpad(n::text, 5, '0'),
                      (ARRAY['not_started','in_progress','returned','completed','accepted'])
                        [1 + n % 5],
                      make_date(2022 + n % 4, 12, 31), 1, now(), now()
               FROM generate_series(1, $2) n
               JOIN item p ON p.plan_id = $1 AND p.kind = 'section'
                 AND p.position = 1 + n % $3""",
            plan_id,
            TASKS,
            SECTIONS,
        )
        await conn.execute(
            """INSERT INTO assignment (id, plan_id, item_id, unit_id, role, status,
                 completed_at, version, assigned_at, created_at, updated_at)
               SELECT gen_random_uuid(), $1, i.id, u.id, r.role, i.status,
                      CASE WHEN i.status IN ('completed', 'accepted')
                           THEN make_timestamptz(2022 + i.position % 3, 6, 15, 0, 0, 0) END,
                      1, now(), now(), now()
               FROM item i
               CROSS JOIN (VALUES ('lead', 0), ('co', 7)) AS r(role, shift)
               JOIN LATERAL (SELECT id FROM unit ORDER BY name
                             OFFSET (i.position + r.shift) % $2 LIMIT 1) u ON true
               WHERE i.plan_id = $1 AND i.kind = 'task'""",
            plan_id,
            UNITS,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def load_indicators(url: str, app: Any, plan_id: uuid.UUID) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """INSERT INTO indicator (id, plan_id, region_code, code, seq, position, name, domain,
                 measure_unit, direction, direction_source, nature, aggregation,
                 allow_out_of_range, threshold_on_track, threshold_moderate, threshold_regress,
                 version, created_at, updated_at)
               SELECT gen_random_uuid()::text, $1, $2, n::text, n::text, n, '指标' || n,
                      '领域' || (1 + n % 4), '人', 'higher_is_better', 'explicit',
                      CASE WHEN n % 5 = 0 THEN 'binding' ELSE 'expected' END, 'none', true,
                      0.95, 0.60, 0, 1, now(), now()
               FROM generate_series(1, $3) n""",
            str(plan_id),
            CITY,
            INDICATORS,
        )
        await conn.execute(
            """INSERT INTO target (id, indicator_id, plan_id, scope, baseline_year,
                 baseline_value, target_year, kind, comparator, value, implied, milestones,
                 version, created_at, updated_at)
               SELECT gen_random_uuid()::text, id, plan_id, 'all', 2020, 50, 2025, 'absolute',
                      '>=', 60, false, '[]', 1, now(), now() FROM indicator""",
        )
        await conn.execute(
            """INSERT INTO measurement (id, indicator_id, region_code, period, period_end, value,
                 status, reported_by, version, created_at, updated_at)
               SELECT gen_random_uuid()::text, i.id, r, y::text, make_date(y, 12, 31),
                      round((48 + random() * 4 + (y - 2020) * random() * 3)::numeric, 2),
                      'approved', 'bench', 1, now(), now()
               FROM indicator i, unnest($1::text[]) r, generate_series(2020, 2019 + $2) y""",
            regions(),
            YEARS,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    db = get_database.of(app)
    async with db.sessionmaker() as s:
        await assessments_service.recompute_plan(s, plan_id=str(plan_id))
        await s.commit()


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "url",
        nargs="?",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--smoke", action="store_true", help="smallest plan, one run: only that the script runs"
    )
    args = ap.parse_args()
    if args.smoke:
        global TASKS, UNITS, INDICATORS, REGIONS, YEARS
        TASKS, UNITS, INDICATORS, REGIONS, YEARS = 20, 4, 4, 4, 2
        args.runs = 1
    dbs = DatabaseFactory(args.url)
    private, public = generate_keypair()
    signer = TokenSigner(private, issuer="dudao-gateway", audience="dudao")
    token, _ = signer.issue(
        sub="bench-admin",
        role="admin",
        ttl_seconds=3600,
        unit_id=None,
        region_code=None,
        sid=uuid.uuid4().hex,
    )
    try:
        task_url, ind_url = dbs.create("bench_eval_tasks"), dbs.create("bench_eval_indicators")
        migrate.upgrade(TASK_MIGRATIONS, task_url)
        migrate.upgrade(IND_MIGRATIONS, ind_url)
        t_app = tasks_app(
            TaskSettings(
                environment="test",
                database_url=task_url,
                jwt_public_key=public,
                service_token=SERVICE_TOKEN,
            )
        )
        i_app = indicators_app(
            IndicatorSettings(
                environment="test",
                database_url=ind_url,
                jwt_public_key=public,
                service_token=SERVICE_TOKEN,
            )
        )
        plan_id = uuid.uuid4()
        async with t_app.router.lifespan_context(t_app), i_app.router.lifespan_context(i_app):
            client = ServiceClient(
                "指标服务", "http://indicators", transport=httpx.ASGITransport(app=i_app)
            )
            t_app.dependency_overrides[indicators_client] = lambda: client
            # The indicator service checks the plans it reads against the task service.
            tasks_client = ServiceClient(
                "任务服务",
                "http://tasks",
                transport=httpx.ASGITransport(app=t_app),
                service_token=SERVICE_TOKEN,
            )
            i_app.dependency_overrides[get_tasks_client] = lambda: tasks_client
            print(f"· loading {TASKS} tasks, {UNITS} units …", flush=True)
            await load_tasks(libpq(task_url), plan_id)
            print(
                f"· loading {INDICATORS} indicators × {REGIONS} regions × {YEARS} years and "
                "computing their assessments …",
                flush=True,
            )
            t0 = time.perf_counter()
            await load_indicators(libpq(ind_url), i_app, plan_id)
            print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
            task_conn = await asyncpg.connect(libpq(task_url))
            ind_conn = await asyncpg.connect(libpq(ind_url))
            as_of = __import__("datetime").date(2024, 12, 31)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=t_app),
                base_url="http://tasks",
                headers=headers,
                timeout=600,
            ) as c:
                compute, xlsx, pdf, raw = [], [], [], []
                warmup = 0 if args.smoke else 1
                for run in range(args.runs + warmup):
                    t0 = time.perf_counter()
                    r = await c.post(
                        "/api/v1/evaluations",
                        json={"plan_id": str(plan_id), "kind": "annual", "as_of": "2024-12-31"},
                    )
                    assert r.status_code == 201, r.text
                    ev = r.json()
                    t1 = time.perf_counter()
                    r = await rendered(t_app, c, ev["id"], "xlsx")
                    t2 = time.perf_counter()
                    r = await rendered(t_app, c, ev["id"], "pdf")
                    t3 = time.perf_counter()
                    await task_conn.fetch(RAW_TASKS, plan_id, as_of)
                    await task_conn.fetch(RAW_UNITS, plan_id, as_of)
                    await ind_conn.fetch(RAW_INDICATORS, str(plan_id), CITY)
                    await ind_conn.fetch(RAW_REGIONS, str(plan_id))
                    t4 = time.perf_counter()
                    if run == 0:
                        pages = r.content.count(b"/Type /Page\n") or r.content.count(b"/Page")
                        print(
                            f"· first evaluation: {ev['data']['tasks']['total']} tasks, "
                            f"{len(ev['data']['units'])} units, "
                            f"{len(ev['data']['indicators'])} indicators, "
                            f"{len(ev['data']['regions'])} regions; PDF {len(r.content):,} "
                            f"bytes (~{pages} page objects)",
                            flush=True,
                        )
                        if warmup:
                            continue  # warm-up
                    compute.append(t1 - t0)
                    xlsx.append(t2 - t1)
                    pdf.append(t3 - t2)
                    raw.append(t4 - t3)
            await task_conn.close()
            await ind_conn.close()
            await client.aclose()
            await tasks_client.aclose()
        c_ms, x_ms, p_ms, r_ms = (median_ms(s) for s in (compute, xlsx, pdf, raw))
        total = c_ms + x_ms + p_ms
        print(f"median of {args.runs} runs:")
        print(f"  compute (POST /evaluations)   {c_ms:9.1f} ms")
        print(f"  render .xlsx                  {x_ms:9.1f} ms")
        print(f"  render PDF                    {p_ms:9.1f} ms")
        print(f"  raw SQL, same numbers         {r_ms:9.1f} ms")
        print(f"ratio compute ÷ raw SQL: {c_ms / r_ms:.1f}×")
        print(f"ratio compute + render ÷ raw SQL: {total / r_ms:.1f}×")
    finally:
        dbs.drop_all()


if __name__ == "__main__":
    asyncio.run(main())
