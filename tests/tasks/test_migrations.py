"""Migrations are the schema: up on PostgreSQL, down to base, nothing pending."""

from __future__ import annotations

import sqlalchemy as sa

from dudao_shared import migrate
from dudao_shared.audit_chain import is_archive_table
from dudao_shared.db import async_url
from dudao_shared.jobs import is_queue_table
from dudao_tasks.migrations import MIGRATIONS_DIR
from dudao_tasks.models import metadata


def _tables(url: str) -> set[str]:
    sync = async_url(url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(sync)
    try:
        return {
            t
            for t in sa.inspect(engine).get_table_names()
            if t != "alembic_version" and not is_queue_table(t) and not is_archive_table(t)
        }
    finally:
        engine.dispose()


def _queue_tables(url: str) -> set[str]:
    sync = async_url(url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(sync)
    try:
        return {t for t in sa.inspect(engine).get_table_names() if is_queue_table(t)}
    finally:
        engine.dispose()


def test_postgres_up_check_down(databases) -> None:  # type: ignore[no-untyped-def]
    url = databases.create("tasks_mig")
    migrate.upgrade(MIGRATIONS_DIR, url)
    assert _tables(url) == set(metadata.tables)
    # The audit archive is a copy of its table's columns, made by the migrations (no model).
    assert migrate.pending_model_changes(MIGRATIONS_DIR, url, metadata) == []
    # The job queue's schema comes with the history too, and goes with it.
    assert {"procrastinate_jobs", "procrastinate_workers"} <= _queue_tables(url)
    migrate.downgrade(MIGRATIONS_DIR, url, "base")
    assert _tables(url) == set()
    assert _queue_tables(url) == set()
    migrate.upgrade(MIGRATIONS_DIR, url)
    assert _tables(url) == set(metadata.tables)
