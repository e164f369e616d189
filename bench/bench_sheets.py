"""Benchmark (not a test): importing measurement rows from an .xlsx file through the indicator
service's import (read the sheet, check every row by the API's rules, write, assess) next to a
COPY of the same rows into PostgreSQL, measured in one run.

    .venv/bin/python bench/bench_sheets.py [postgresql://user@host:port/db] [--rows N]

Creates a scratch database on that server (default postgresql://postgres@127.0.0.1:5432/postgres,
or $BENCH_DATABASE_URL), migrates it, creates 100 indicators of a province plan, writes an
.xlsx of N rows (indicator × region × year, default 100,000) in the import template's layout,
imports it as a planner would (``dry_run=false``), then COPYs the same rows into a copy of the
measurement table, prints both times and the ratio import ÷ COPY, and drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for sub in ("shared", "services/indicators"):
    sys.path.insert(0, str(ROOT / sub))

import asyncpg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from dudao_indicators.indicators.bulk import BulkIndicatorsIn, bulk_create  # noqa: E402
from dudao_indicators.measurements import sheet  # noqa: E402
from dudao_indicators.migrations import MIGRATIONS_DIR  # noqa: E402
from dudao_shared import migrate  # noqa: E402
from dudao_shared.auth import Principal  # noqa: E402
from dudao_shared.db import Database  # noqa: E402
from dudao_shared.sheets import read_rows, write_xlsx  # noqa: E402

INDICATORS = 100
PLAN = "bench-sheet-plan"
PROVINCE = "360000"
FIRST_YEAR = 2016


def libpq(url: str, database: str | None = None) -> str:
    u = make_url(url).set(drivername="postgresql")
    if database is not None:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


def regions(count: int) -> list[str]:
    codes = [PROVINCE] + [f"36{c:02d}00" for c in range(1, 12)]
    city, county = 1, 1
    while len(codes) < count:
        codes.append(f"36{city:02d}{county:02d}")
        city += 1
        if city > 11:
            city, county = 1, county + 1
    return codes[:count]


def sheet_rows(total: int) -> list[list[object]]:
    """indicator × region × year, as a county's filled template would hold them."""
    years = 10
    n_regions = max(1, -(-total // (INDICATORS * years)))
    out: list[list[object]] = []
    for region in regions(n_regions):
        for year in range(FIRST_YEAR, FIRST_YEAR + years):
            for k in range(INDICATORS):
                if len(out) == total:
                    return out
                value = 40 + (k % 20) + (year - FIRST_YEAR) * 0.5
                out.append(
                    [str(k + 1), f"指标{k + 1}", "人", region, str(year), value]
                    + [None] * 4
                    + [None, "是"]
                )
    return out


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "url",
        nargs="?",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--smoke", action="store_true", help="100 rows: only that the script runs")
    args = ap.parse_args()
    if args.smoke:
        args.rows = 100
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
        async with db.sessionmaker() as s:
            await bulk_create(
                s,
                data=BulkIndicatorsIn.model_validate(
                    {
                        "plan_id": PLAN,
                        "region_code": PROVINCE,
                        "indicators": [
                            {
                                "seq": str(k + 1),
                                "name": f"指标{k + 1}",
                                "unit": "人",
                                "nature": "预期性",
                                "direction": "higher_is_better",
                            }
                            for k in range(INDICATORS)
                        ],
                    }
                ),
            )
            await s.commit()
        rows = sheet_rows(args.rows)
        print(f"· writing {len(rows):,} rows to .xlsx …", flush=True)
        t0 = time.perf_counter()
        content = write_xlsx(sheet.KIND, rows)
        print(f"  {len(content) / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s", flush=True)

        planner = Principal(sub="bench:planner", role="planner", region_code=PROVINCE)
        print(
            "· importing through the service (read, check every row, write, assess) …", flush=True
        )
        t0 = time.perf_counter()
        parsed = read_rows(sheet.KIND, content, "bench.xlsx")
        t_read = time.perf_counter() - t0

        async def allow(*_: object) -> None:
            return None

        def show(done: int, total: int) -> None:
            # Called after every row; the bar is redrawn every 1,000 so printing costs nothing.
            if done % 1000 == 0 or done == total:
                print(
                    f"\r  [{'#' * (30 * done // total):<30}] {done:>9,}/{total:,} rows",
                    end="",
                    flush=True,
                )

        async with db.sessionmaker() as s:
            summary = await sheet.import_rows(
                s,
                planner,
                plan_id=PLAN,
                rows=parsed,
                authorize=allow,
                dry_run=False,
                mode="all",
                progress=show,
            )
            await s.commit()
        t_import = time.perf_counter() - t0
        print(flush=True)
        assert summary.created == len(rows), summary.model_dump(exclude={"rows"})

        conn = await asyncpg.connect(url)
        try:
            await conn.execute("CREATE TABLE measurement_copy (LIKE measurement INCLUDING ALL)")
            records = await conn.fetch(
                "SELECT id, indicator_id, region_code, period, period_end, value, status,"
                " reported_by, version, created_at, updated_at FROM measurement"
            )
            columns = list(records[0].keys())
            t0 = time.perf_counter()
            await conn.copy_records_to_table(
                "measurement_copy", records=[tuple(r) for r in records], columns=columns
            )
            t_copy = time.perf_counter() - t0
            copied = await conn.fetchval("SELECT count(*) FROM measurement_copy")
        finally:
            await conn.close()
        print(f"\n{len(rows):,} measurement rows from one .xlsx file")
        print(f"  read the sheet            {t_read:8.2f} s")
        print(
            f"  import (read + checks + write + assess) {t_import:8.2f} s"
            f"  ({len(rows) / t_import:,.0f} rows/s)"
        )
        print(
            f"  COPY of the same {copied:,} rows {t_copy:8.2f} s  ({copied / t_copy:,.0f} rows/s)"
        )
        print(f"  ratio import ÷ COPY       {t_import / t_copy:8.1f}×")
    finally:
        if db is not None:
            await db.dispose()
        admin = await asyncpg.connect(libpq(args.url))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
