"""Fixtures of the indicator service: its own database, migrated once, and its app in-process,
talking to the real task service (in-process too) about plans."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from harness import app_lifespan, rolled_back
from tasks.fixtures import SERVICE_TOKEN

from dudao_indicators.config import Settings
from dudao_indicators.main import create_app
from dudao_indicators.migrations import MIGRATIONS_DIR
from dudao_indicators.plans import get_tasks_client
from dudao_shared import migrate
from dudao_shared.http import ServiceClient
from indicators.helpers import REGION


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
        service_token=SERVICE_TOKEN,
    )


@pytest.fixture(scope="session")
async def indicators_app(indicators_settings: Settings, tasks_app):  # type: ignore[no-untyped-def]
    app = create_app(indicators_settings)
    async with app_lifespan(app):
        # Plans named by indicators are checked against the real task service, in-process.
        tasks_client = ServiceClient(
            "任务服务",
            "http://tasks",
            transport=httpx.ASGITransport(app=tasks_app),
            service_token=SERVICE_TOKEN,
        )
        app.dependency_overrides[get_tasks_client] = lambda: tasks_client
        yield app
        await tasks_client.aclose()


@pytest.fixture
async def indicators(indicators_app, tasks_app) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """The indicator app with this test's writes (and the task service's) rolled back."""
    async with rolled_back(tasks_app), rolled_back(indicators_app):
        yield indicators_app


NewPlan = Callable[..., Awaitable[str]]


@pytest.fixture
def new_plan(indicators_app, make_token) -> NewPlan:  # type: ignore[no-untyped-def]
    """``await new_plan(region)``: a plan created in the task service, by an admin; its id."""

    async def make(region: str = REGION, level: str = "city") -> str:
        client: ServiceClient = indicators_app.dependency_overrides[get_tasks_client]()
        plan = await client.post_json(
            "/api/v1/plans",
            {"title": f"规划 {region}", "level": level, "region_code": region},
            token=make_token("admin"),
        )
        return str(plan["id"])

    return make


NewUnit = Callable[..., Awaitable[str]]


@pytest.fixture
def new_unit(indicators_app, make_token) -> NewUnit:  # type: ignore[no-untyped-def]
    """``await new_unit(region)``: a unit created in the task service, by an admin; its id (what
    grants name and unit tokens carry)."""

    async def make(region: str = REGION, level: str = "city") -> str:
        client: ServiceClient = indicators_app.dependency_overrides[get_tasks_client]()
        unit = await client.post_json(
            "/api/v1/units",
            {"name": f"单位 {uuid.uuid4().hex[:8]}", "level": level, "region_code": region},
            token=make_token("admin"),
        )
        return str(unit["id"])

    return make
