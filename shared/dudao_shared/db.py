"""Database helpers: one engine and sessionmaker per app, one transaction per request.

The session dependency commits after the route returns and before the response is sent
(FastAPI ``scope="function"``), so a failed commit can never reach the client as a 2xx.
Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_

from .context import AppState

POSTGRES_DRIVERS = frozenset(
    {"postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg", "postgresql+psycopg2"}
)


def async_url(url: str) -> URL:
    """Accept any PostgreSQL URL (libpq style included) and pick the async driver."""
    u = make_url(url)
    if u.drivername not in POSTGRES_DRIVERS:
        raise ValueError(f"not a PostgreSQL URL: {u.drivername}:// (PostgreSQL is the only engine)")
    return u.set(drivername="postgresql+asyncpg")


def create_engine(url: str, **kw: Any) -> AsyncEngine:
    if "poolclass" not in kw:
        # No overflow: an overflow connection is closed when returned, and a new PostgreSQL
        # connection (a forked backend) costs more than waiting for a pooled one.
        kw.setdefault("pool_size", 10)
        kw.setdefault("max_overflow", 0)
        # Sessions always end their transaction before the connection goes back, and no
        # service keeps session state (SET, LISTEN, session advisory locks), so the reset
        # on return — half the CPU of a simple read through asyncpg — buys nothing.
        kw.setdefault("pool_reset_on_return", None)
        # A pooled connection may be dead (PostgreSQL restarted, pg_terminate_backend, a
        # failover): ``_ping_on_checkout`` tests it, so the request gets a fresh one instead
        # of a 500. (SQLAlchemy's own pre-ping wraps its ping in BEGIN … ROLLBACK on asyncpg:
        # three round trips per request, more than a typical read's query.)
        kw.setdefault("pool_pre_ping", False)
        # A request waits at most this long for a pooled connection, then gets a 503.
        kw.setdefault("pool_timeout", 10)
        # asyncpg waits 60 s for a connection by default; a server that does not answer is
        # reported much sooner (a 503 the client may retry).
        # JIT off: a JIT compile costs hundreds of ms (asyncpg's type introspection on a
        # connection's first array column: 570–800 ms measured at 1M tasks), and a generic plan
        # at province scale can cross ``jit_above_cost`` on a query that runs in 1 ms. Every
        # statement of a service is short; none gains from compiling.
        kw.setdefault("connect_args", {"timeout": 5, "server_settings": {"jit": "off"}})
        engine = create_async_engine(async_url(url), **kw)
        event.listen(engine.sync_engine, "connect", _mark_fresh)
        event.listen(engine.sync_engine, "checkout", _ping_on_checkout)
        return engine
    return create_async_engine(async_url(url), **kw)


def _mark_fresh(dbapi_connection: Any, record: Any) -> None:
    record.info["fresh"] = True


def _ping_on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """One round trip (``;`` outside any transaction) on a connection that has been used
    before; one the server already closed is replaced without any. A failed ping invalidates
    the whole pool, as after a restart every pooled connection is dead."""
    if record.info.pop("fresh", False):
        return
    conn = dbapi_connection.driver_connection
    if conn.is_closed():
        raise exc.InvalidatePoolError("the server closed the connection")
    try:
        await_(conn.fetchrow(";", timeout=5))
    except Exception as error:  # noqa: BLE001 - any failure of a bare ';' means a dead link
        raise exc.InvalidatePoolError(f"ping failed: {error!r}") from error


class Database:
    def __init__(self, url: str, **engine_kw: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kw)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # GET and HEAD only read: no BEGIN/COMMIT round trips for them.
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


READ_METHODS = frozenset({"GET", "HEAD"})


get_database = AppState("db", Database)
DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    db = get_database.of(request.app)
    maker = db.read_sessionmaker if request.method in READ_METHODS else db.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
