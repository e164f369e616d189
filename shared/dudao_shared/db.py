"""Database helpers: one engine and sessionmaker per app, one transaction per request.

The session dependency commits after the route returns and before the response is sent
(FastAPI ``scope="function"``), so a failed commit can never reach the client as a 2xx.
Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import sqltypes


def async_url(url: str) -> URL:
    """Accept plain ``postgresql://`` / ``sqlite:///`` URLs and pick the async drivers."""
    u = make_url(url)
    if u.drivername in {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}:
        u = u.set(drivername="postgresql+asyncpg")
    elif u.drivername == "sqlite":
        u = u.set(drivername="sqlite+aiosqlite")
    return u


def is_sqlite(url: str | URL) -> bool:
    return make_url(str(url) if isinstance(url, URL) else url).get_backend_name() == "sqlite"


class _UTCDateTime(SQLITE_DATETIME):
    """SQLite keeps no offset; every timestamp we store is UTC, so it comes back as UTC."""

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        parse = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            v = parse(value) if parse else value
            return v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v

        return process


def create_engine(url: str, **kw: Any) -> AsyncEngine:
    u = async_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        # One connection: SQLite serialises writers anyway, and a pool only adds busy-waits.
        if "poolclass" not in kw:
            kw.update(pool_size=1, max_overflow=0)
        engine = create_async_engine(u, **kw)
        dialect = engine.sync_engine.dialect
        dialect.colspecs = {**dialect.colspecs, sqltypes.DateTime: _UTCDateTime}

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if "poolclass" not in kw:
        # No overflow: an overflow connection is closed when returned, and a new PostgreSQL
        # connection (a forked backend) costs more than waiting for a pooled one.
        kw.setdefault("pool_size", 10)
        kw.setdefault("max_overflow", 0)
        # Sessions always end their transaction before the connection goes back, and no
        # service keeps session state (SET, LISTEN, session advisory locks), so the reset
        # on return — half the CPU of a simple read through asyncpg — buys nothing.
        kw.setdefault("pool_reset_on_return", None)
    return create_async_engine(u, **kw)


class Database:
    def __init__(self, url: str, **engine_kw: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kw)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # GET and HEAD only read: no BEGIN/COMMIT round trips for them.
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    maker = db.read_sessionmaker if request.method in READ_METHODS else db.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
