"""Fixtures of the indicator service: its own database, migrated once, and its app in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dudao_shared import migrate
from dudao_indicators.config import Settings
from dudao_indicators.main import create_app
from dudao_indicators.migrations import MIGRATIONS_DIR
from harness import app_lifespan, rolled_back


@pytest.fixture(scope="session")
def indicators_db_url(databases) -> str:  # type: ignore[no-untyped-def]
    url = databases.create("indicators")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="session")
def indicators_settings(indicators_db_url: str, keypair: tuple[str, str]) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        environment="test",
        database_url=indicators_db_url,
        jwt_public_key=keypair[1],
    )


@pytest.fixture(scope="session")
async def indicators_app(indicators_settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(indicators_settings)
    async with app_lifespan(app):
        yield app


@pytest.fixture
async def indicators(indicators_app) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """The indicator app with this test's writes rolled back afterwards."""
    async with rolled_back(indicators_app):
        yield indicators_app
