"""Province-scale data, generated in SQL: regions, units, plans of tasks with deadlines, lead and
co assignments with stored lights, indicators and their monthly measurements.

Every row is made by ``generate_series`` in the server (no row crosses the wire), a chunk per
statement with progress printed. Ids are ``md5(kind || n)::uuid``, so a later run appends
(``--from-tasks``) and the rows refer to each other without lookups. A province:

    python bench/generate.py TASKS_URL [--indicators-url URL]
        --regions 2000 --units 30000 --tasks 500000 --measurements 5000000

Tasks come in plans of ``--plan-size`` (1,000: ten sections of 100); each task has a lead and
a co unit (two assignments a task: 500,000 tasks → 1,000,000 assignments) and one or two
deadlines. Lights are stored as the service stores them (``plans.light_store``), computed
here in SQL for ``--today``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time

import asyncpg

PLAN_SIZE = 1000
SECTION_SIZE = 100
CHUNK_TASKS = 20_000


def _progress(label: str, done: int, total: int, t0: float) -> None:
    rate = done / max(time.perf_counter() - t0, 1e-9)
    bar = "#" * (30 * done // max(total, 1))
    print(f"\r· {label:<13} [{bar:<30}] {done:>10,}/{total:,}  {rate:>9,.0f}/s", end="", flush=True)


async def regions_and_units(conn: asyncpg.Connection, regions: int, units: int) -> None:
    t0 = time.perf_counter()
    step = 10_000
    for start in range(0, units, step):
        n = min(step, units - start)
        # Region codes 36xxxx: GB/T 2260's form for Jiangxi, one per generated region.
        await conn.execute(
            """
            INSERT INTO unit (id, name, level, region_code, version, created_at, updated_at)
            SELECT md5('unit' || u)::uuid, '单位' || u, 'county',
                   (360000 + 1 + u % $3)::text, 1, now(), now()
            FROM generate_series($1::int, $1::int + $2::int - 1) AS u
            ON CONFLICT DO NOTHING
            """,
            start,
            n,
            regions,
        )
        _progress("units", start + n, units, t0)
    print(flush=True)


_PLANS = """
INSERT INTO plan (id, title, kind, level, region_code, status, disclosed, light_rules, version,
                  created_by, created_at, updated_at)
SELECT md5('plan' || p)::uuid, '省级规划 ' || p, 'plan', 'province', '360000', 'published', false,
       '{}'::json, 1, 'generate', now(), now()
FROM generate_series($1::int, $2::int) AS p
ON CONFLICT DO NOTHING
"""

_SECTIONS = """
INSERT INTO item (id, plan_id, kind, code, label, title, position, sort_key, status, version,
                  created_at, updated_at)
SELECT md5('sec' || p || '.' || s)::uuid, md5('plan' || p)::uuid, 'section', (s + 1)::text,
       (s + 1)::text, '重点任务 ' || (s + 1), s, lpad(s::text, 5, '0'), 'not_started', 1,
       now(), now()
FROM generate_series($1::int, $2::int) AS p, generate_series(0, $3::int - 1) AS s
ON CONFLICT DO NOTHING
"""

# t → plan t / plan_size, section (t % plan_size) / section_size, position within it.
_TASKS = """
INSERT INTO item (id, plan_id, parent_id, kind, code, label, title, position, sort_key, status,
                  due_on, version, created_at, updated_at, light, light_reasons, light_overdue,
                  light_due_soon, light_next_due_on, light_on, light_until)
SELECT md5('task' || t)::uuid, md5('plan' || p)::uuid, md5('sec' || p || '.' || s)::uuid,
       'task', (s + 1) || '.' || (k + 1), (k + 1)::text, '任务 ' || t, k,
       lpad(s::text, 5, '0') || '.' || lpad(k::text, 5, '0'), st, due, 1, now(), now(),
       l.light, l.reasons, l.overdue, l.due_soon, l.next_due, $4::date, l.until
FROM generate_series($1::bigint, $2::bigint) AS t
CROSS JOIN LATERAL (SELECT t / $3 AS p, (t % $3) / 100 AS s, (t % $3) % 100 AS k,
                           (ARRAY['in_progress','in_progress','in_progress','in_progress',
                                  'in_progress','in_progress','not_started','completed',
                                  'accepted','returned'])[t % 10 + 1] AS st,
                           DATE '2026-01-01' + ((t * 37) % 1100)::int AS due) AS v
CROSS JOIN LATERAL (
    SELECT CASE WHEN st IN ('completed', 'accepted') THEN 'green'
                WHEN due < $4 THEN 'red' WHEN due - 7 <= $4 THEN 'yellow' ELSE 'green' END
             AS light,
           CASE WHEN st IN ('completed', 'accepted') THEN '{}'::varchar[]
                WHEN due < $4 THEN '{overdue}' WHEN due - 7 <= $4 THEN '{due_soon}'
                ELSE '{}' END AS reasons,
           st NOT IN ('completed', 'accepted') AND due < $4 AS overdue,
           st NOT IN ('completed', 'accepted') AND due >= $4 AND due - 7 <= $4 AS due_soon,
           CASE WHEN due >= $4 THEN due END AS next_due,
           CASE WHEN st IN ('completed', 'accepted') OR due < $4 THEN NULL
                WHEN due - 7 > $4 THEN due - 7 ELSE due + 1 END AS until) AS l
"""

_DEADLINES = """
INSERT INTO item_deadline (id, item_id, due_on, text, position)
SELECT md5('dl' || t || '.' || d)::uuid, md5('task' || t)::uuid,
       DATE '2026-01-01' + ((t * 37) % 1100)::int - d * 365, NULL, 1 - d
FROM generate_series($1::bigint, $2::bigint) AS t, generate_series(0, 1) AS d
WHERE d = 0 OR t % 3 = 0
"""

# Lead unit and a co unit per task; the co's light and state are the lead's in this data.
_ASSIGNMENTS = """
INSERT INTO assignment (id, plan_id, item_id, unit_id, role, status, percent, last_report_on,
                        version, created_at, updated_at, assigned_at, light, light_reasons,
                        light_overdue, light_due_soon, light_next_due_on, light_on, light_until)
SELECT md5('asg' || t || r.role)::uuid, i.plan_id, i.id,
       -- One unit in the province is co-unit of every 200th task (a busy provincial office):
       -- a full 50-row page of a unit's assignments at every size from 10,000 tasks.
       md5('unit' || CASE WHEN r.role = 'co' AND t % 200 = 0 AND t % $3 <> 0 THEN 0
                          ELSE (t * 7919 + r.off) % $3 END)::uuid, r.role,
       CASE WHEN r.role = 'lead' THEN i.status ELSE 'in_progress' END, (t % 100)::numeric,
       $4::date - (t % 20)::int, 1,
       now() - ((t % 1000) || ' minutes')::interval, now(),
       now() - ((t % 1000) || ' minutes')::interval,
       i.light, i.light_reasons, i.light_overdue, i.light_due_soon, i.light_next_due_on,
       i.light_on, i.light_until
FROM generate_series($1::bigint, $2::bigint) AS t
JOIN item i ON i.id = md5('task' || t)::uuid
CROSS JOIN (VALUES ('lead', 0), ('co', 104729)) AS r(role, off)
"""


async def tasks(
    conn: asyncpg.Connection, start: int, total: int, units: int, plan_size: int, today: dt.date
) -> None:
    first_plan, last_plan = start // plan_size, (total - 1) // plan_size
    await conn.execute(_PLANS, first_plan, last_plan)
    await conn.execute(_SECTIONS, first_plan, last_plan, plan_size // SECTION_SIZE)
    t0 = time.perf_counter()
    for lo in range(start, total, CHUNK_TASKS):
        hi = min(lo + CHUNK_TASKS, total) - 1
        await conn.execute(_TASKS, lo, hi, plan_size, today)
        await conn.execute(_DEADLINES, lo, hi)
        await conn.execute(_ASSIGNMENTS, lo, hi, units, today)
        _progress("tasks", hi + 1 - start, total - start, t0)
    print(flush=True)


async def measurements(conn: asyncpg.Connection, regions: int, total: int) -> None:
    """``total`` monthly values over 50 indicators × ``regions`` regions."""
    indicators = 50
    periods = max(1, total // (indicators * regions))
    await conn.execute(
        """
        INSERT INTO indicator (id, plan_id, region_code, code, seq, position, name, domain,
            measure_unit, direction, direction_source, nature, aggregation, allow_out_of_range,
            threshold_on_track, threshold_moderate, threshold_regress, version, created_at,
            updated_at)
        SELECT md5('ind' || k)::uuid::text, md5('plan0')::uuid::text, '360000', 'G' || k,
               k::text, k, '指标' || k, '领域' || (k % 4 + 1), '人', 'increase', 'explicit',
               '预期性', 'none', false, 0.95, 0.60, 0, 1, now(), now()
        FROM generate_series(1, $1::int) AS k
        ON CONFLICT DO NOTHING
        """,
        indicators,
    )
    t0 = time.perf_counter()
    for k in range(1, indicators + 1):
        await conn.execute(
            """
            INSERT INTO measurement (id, indicator_id, region_code, period, period_end, value,
                status, reported_by, version, created_at, updated_at)
            SELECT gen_random_uuid()::text, md5('ind' || $1::int)::uuid::text,
                   (360000 + 1 + r)::text, to_char(d, 'YYYY-MM'),
                   (d + interval '1 month - 1 day')::date,
                   round((45 + random() * 10 + n * 0.1)::numeric, 2), 'approved', 'generate', 1,
                   now(), now()
            FROM generate_series(0, $2::int - 1) AS r,
                 generate_series(0, $3::int - 1) AS n,
                 LATERAL (SELECT DATE '2020-01-01' + n * interval '1 month' AS d) AS p
            """,
            k,
            regions,
            periods,
        )
        _progress("measurements", k * regions * periods, indicators * regions * periods, t0)
    print(flush=True)


async def _without_indexes(conn: asyncpg.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the secondary indexes of ``tables`` for a first load (one sort per index afterwards
    instead of a tree insert per row); returns the statements that recreate them."""
    rows = await conn.fetch(
        """
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
        FROM pg_index i
        WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique
        """,
        list(tables),
    )
    for r in rows:
        await conn.execute(f"DROP INDEX {r['name']}")
    return [r["ddl"] for r in rows]


async def _recreate(conn: asyncpg.Connection, ddl: list[str]) -> None:
    t0 = time.perf_counter()
    for n, statement in enumerate(ddl, start=1):
        await conn.execute(statement)
        _progress("indexes", n, len(ddl), t0)
    print(flush=True)


async def _settle(conn: asyncpg.Connection) -> None:
    """Leave the tables as a running database has them, so a measurement right after a load
    compares like with like at every size: VACUUM sets the visibility map (index-only scans
    stop visiting the heap) and the hint bits (the first reader of a fresh page no longer
    writes it); CHECKPOINT writes the load's dirty pages now, not under the next measurement
    (skipped without the privilege)."""
    t0 = time.perf_counter()
    print("· VACUUM ANALYZE", end="", flush=True)
    await conn.execute("VACUUM (ANALYZE)")
    try:
        await conn.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        pass
    print(f" {time.perf_counter() - t0:,.0f} s", flush=True)


async def generate(
    tasks_url: str,
    *,
    regions: int = 2000,
    units: int = 30_000,
    task_count: int = 500_000,
    from_tasks: int = 0,
    plan_size: int = PLAN_SIZE,
    today: dt.date | None = None,
    indicators_url: str | None = None,
    measurement_count: int = 0,
) -> None:
    """Fill (or extend, from ``from_tasks``) a migrated task database, and optionally a
    migrated indicator database."""
    today = today or dt.date.today()
    t0 = time.perf_counter()
    conn = await asyncpg.connect(tasks_url)
    try:
        # The rows refer to each other by construction: no foreign-key trigger per row.
        await conn.execute("SET session_replication_role = replica")
        ddl: list[str] = []
        if from_tasks == 0:
            ddl = await _without_indexes(conn, ("item", "item_deadline", "assignment"))
            await regions_and_units(conn, regions, units)
        await tasks(conn, from_tasks, task_count, units, plan_size, today)
        await _recreate(conn, ddl)
        await _settle(conn)
    finally:
        await conn.close()
    if indicators_url and measurement_count:
        ind = await asyncpg.connect(indicators_url)
        try:
            await ind.execute("SET session_replication_role = replica")
            ddl = await _without_indexes(ind, ("measurement",))
            await measurements(ind, regions, measurement_count)
            await _recreate(ind, ddl)
            await _settle(ind)
        finally:
            await ind.close()
    print(f"· generated in {time.perf_counter() - t0:,.0f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tasks_url", help="a migrated task-service database")
    ap.add_argument("--indicators-url", help="a migrated indicator-service database")
    ap.add_argument("--regions", type=int, default=2000)
    ap.add_argument("--units", type=int, default=30_000)
    ap.add_argument("--tasks", type=int, default=500_000)
    ap.add_argument("--from-tasks", type=int, default=0, help="append after this many tasks")
    ap.add_argument("--plan-size", type=int, default=PLAN_SIZE)
    ap.add_argument("--measurements", type=int, default=5_000_000)
    ap.add_argument("--today", type=dt.date.fromisoformat, default=None)
    a = ap.parse_args()
    asyncio.run(
        generate(
            a.tasks_url,
            regions=a.regions,
            units=a.units,
            task_count=a.tasks,
            from_tasks=a.from_tasks,
            plan_size=a.plan_size,
            today=a.today,
            indicators_url=a.indicators_url,
            measurement_count=a.measurements,
        )
    )


if __name__ == "__main__":
    main()
