"""The gateway's migrations are its schema: up and down on PostgreSQL, no drift."""

from __future__ import annotations

from dudao_gateway.migrations import MIGRATIONS_DIR
from dudao_gateway.models import metadata
from dudao_shared import migrate


def test_upgrade_downgrade_and_no_drift_on_postgres(databases) -> None:  # type: ignore[no-untyped-def]
    url = databases.create("gw_mig")
    migrate.upgrade(MIGRATIONS_DIR, url)
    assert migrate.pending_model_changes(MIGRATIONS_DIR, url, metadata) == []
    migrate.downgrade(MIGRATIONS_DIR, url)
    migrate.upgrade(MIGRATIONS_DIR, url)
