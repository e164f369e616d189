"""The worker's periodic check of the audit chain (issue 10): it reads the chain the database
keeps and answers with its head, or with the first broken link."""

from __future__ import annotations

from pathlib import Path

from dudao_shared import migrate
from dudao_shared.db import Database
from dudao_tasks.migrations import MIGRATIONS_DIR
from dudao_tasks.worker import verify_audit_chain


async def test_periodic_job_reports_the_first_broken_link(databases) -> None:  # type: ignore[no-untyped-def]
    url = databases.create("chain_job")
    migrate.upgrade(Path(MIGRATIONS_DIR), url)
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            for n in range(3):
                await conn.exec_driver_sql(
                    "INSERT INTO audit_event (id, at, actor_sub, actor_role, entity, entity_id,"
                    " action) VALUES (gen_random_uuid(), now(), $1, 'admin', 'plan',"
                    " gen_random_uuid(), 'create')",
                    (f"u{n}",),
                )
        assert (await verify_audit_chain(db)).startswith("ok 3 ")
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("UPDATE audit_event SET action = 'x' WHERE seq = 2")
        assert (await verify_audit_chain(db)).startswith("broken 2:")
    finally:
        await db.dispose()
