"""The migrations are the schema: they upgrade and downgrade on PostgreSQL and leave nothing
for autogenerate to add."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from dudao_indicators.migrations import MIGRATIONS_DIR
from dudao_indicators.models import metadata
from dudao_shared import migrate
from dudao_shared.db import create_engine

TABLES = {
    "indicator",
    "target",
    "measurement",
    "measurement_correction",
    "assessment",
    "indicator_grant",
    "idempotency_record",
}


def _tables(url: str) -> set[str]:
    async def main() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    out: set[str] = set()

    def run() -> None:
        out.update(asyncio.run(main()))

    import threading

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return out


def _round_trip(url: str) -> None:
    migrate.upgrade(MIGRATIONS_DIR, url)
    assert _tables(url) >= TABLES
    assert migrate.pending_model_changes(MIGRATIONS_DIR, url, metadata) == []
    migrate.downgrade(MIGRATIONS_DIR, url)
    assert not (TABLES & _tables(url))
    migrate.upgrade(MIGRATIONS_DIR, url)
    assert _tables(url) >= TABLES


def test_postgres_upgrade_downgrade_and_no_pending_changes(databases) -> None:  # type: ignore[no-untyped-def]
    _round_trip(databases.create("indicators_mig"))
