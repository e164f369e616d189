"""Run a service app in-process against a real database, each test in a rolled-back transaction."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker


@contextlib.asynccontextmanager
async def app_lifespan(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


@contextlib.asynccontextmanager
async def rolled_back(app: FastAPI) -> AsyncIterator[AsyncConnection]:
    """Bind the app's sessions to one outer transaction that is rolled back afterwards.

    The request's own commit becomes a savepoint release, so routes behave as in production
    while nothing a test writes outlives it. The connection is handed out so a test can take
    savepoints of its own.
    """
    db = app.state.db
    original = db.sessionmaker, db.read_sessionmaker, db.read_connection
    async with db.engine.connect() as conn:
        trans = await conn.begin()
        db.sessionmaker = db.read_sessionmaker = async_sessionmaker(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        driver = (await conn.get_raw_connection()).driver_connection

        @contextlib.asynccontextmanager
        async def in_transaction() -> AsyncIterator[Any]:
            # Reads without a session see what the test's transaction holds.
            yield driver

        db.read_connection = in_transaction
        try:
            yield conn
        finally:
            db.sessionmaker, db.read_sessionmaker, db.read_connection = original
            await trans.rollback()


def client_for(app: FastAPI, token: str | None = None, **kw: Any) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=headers,
        **kw,
    )
