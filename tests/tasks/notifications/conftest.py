from __future__ import annotations

import pytest

from dudao_shared import migrate
from dudao_tasks.migrations import MIGRATIONS_DIR


@pytest.fixture(scope="session")
def queue_db(databases) -> str:  # type: ignore[no-untyped-def]
    """A task-service database with committed data, shared by the worker processes."""
    url = databases.create("tasks_queue")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url
