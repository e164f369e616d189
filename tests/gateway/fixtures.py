"""Fixtures of the gateway: its own database and the app in-process (auth routes)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from harness import app_lifespan, rolled_back

from dudao_gateway.config import Settings
from dudao_gateway.dependencies import get_tasks_client
from dudao_gateway.main import create_app
from dudao_gateway.migrations import MIGRATIONS_DIR
from dudao_gateway.users import service as users_service
from dudao_gateway.users.schemas import UserCreate
from dudao_shared import migrate
from dudao_shared.db import get_database
from dudao_shared.http import ServiceClient


@pytest.fixture(scope="session")
def gateway_db_url(databases) -> str:  # type: ignore[no-untyped-def]
    url = databases.create("gateway")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url


SERVICE_TOKEN = "service-token-for-the-gateway-tests-0123456789"


@pytest.fixture(scope="session")
def gateway_settings(gateway_db_url: str, keypair: tuple[str, str]) -> Settings:
    return Settings(
        environment="test",
        database_url=gateway_db_url,
        jwt_private_key=keypair[0],
        # Nothing listens here: proxied calls in these in-process tests answer 503.
        tasks_url="http://127.0.0.1:9",
        indicators_url="http://127.0.0.1:9",
        log_requests=False,
        service_token=SERVICE_TOKEN,
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


PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_user(gateway):  # type: ignore[no-untyped-def]
    """An account in this test's (rolled-back) gateway database; returns its username."""

    async def make(role: str = "admin", **kw: Any) -> str:
        name = f"{role}-{uuid.uuid4().hex[:6]}"
        async with get_database.of(gateway.api).sessionmaker() as s:
            await users_service.create_user(
                s,
                data=UserCreate(username=name, password=PASSWORD, role=role, **kw),
                actor="test",
            )
            await s.commit()
        return name

    return make


@pytest.fixture
async def gateway_to_tasks(gateway, tasks):  # type: ignore[no-untyped-def]
    """The gateway whose own calls to the task service reach the in-process task app."""
    original = get_tasks_client.of(gateway.api)
    get_tasks_client.set(
        gateway.api,
        ServiceClient("任务服务", "http://tasks", transport=httpx.ASGITransport(app=tasks)),
    )
    try:
        yield gateway
    finally:
        await get_tasks_client.of(gateway.api).aclose()
        get_tasks_client.set(gateway.api, original)
