"""Fixtures of the gateway: its own database and the app in-process (auth routes)."""

from __future__ import annotations

import pytest

from dudao_gateway.config import Settings
from dudao_gateway.main import create_app
from dudao_gateway.migrations import MIGRATIONS_DIR
from dudao_shared import migrate
from harness import app_lifespan, rolled_back


@pytest.fixture(scope="session")
def gateway_db_url(databases) -> str:  # type: ignore[no-untyped-def]
    url = databases.create("gateway")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="session")
def gateway_settings(gateway_db_url: str, keypair: tuple[str, str]) -> Settings:
    return Settings(
        environment="test",
        database_url=gateway_db_url,
        jwt_private_key=keypair[0],
        # Nothing listens here: proxied calls in these in-process tests answer 503.
        tasks_url="http://127.0.0.1:9",
        indicators_url="http://127.0.0.1:9",
        lockout_threshold=3,
        log_requests=False,
    )


@pytest.fixture(scope="session")
async def gateway_app(gateway_settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(gateway_settings)
    async with app_lifespan(app.api):
        yield app


@pytest.fixture
async def gateway(gateway_app):  # type: ignore[no-untyped-def]
    async with rolled_back(gateway_app.api):
        yield gateway_app
