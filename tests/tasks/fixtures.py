"""Fixtures of the task service: its own database, migrated once, and its app in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from harness import app_lifespan, rolled_back

from dudao_shared import migrate
from dudao_tasks.config import Settings
from dudao_tasks.main import create_app
from dudao_tasks.migrations import MIGRATIONS_DIR

# The credential the other services present on the task service's /internal routes.
SERVICE_TOKEN = "service-token-for-the-task-tests-0123456789"


@pytest.fixture(scope="session")
def tasks_db_url(databases) -> str:  # type: ignore[no-untyped-def]
    url = databases.create("tasks")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="session")
def tasks_settings(tasks_db_url: str, keypair: tuple[str, str], tmp_path_factory) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        environment="test",
        database_url=tasks_db_url,
        jwt_public_key=keypair[1],
        storage_dir=str(tmp_path_factory.mktemp("evidence")),
        service_token=SERVICE_TOKEN,
    )


@pytest.fixture(scope="session")
async def tasks_app(tasks_settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(tasks_settings)
    async with app_lifespan(app):
        yield app


@pytest.fixture
async def tasks(tasks_app) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """The task app with this test's writes rolled back afterwards."""
    async with rolled_back(tasks_app):
        yield tasks_app
