"""Database helpers: one engine and sessionmaker per app, one transaction per request.

The session dependency commits after the route returns and before the response is sent
(FastAPI ``scope="function"``), so a failed commit can never reach the client as a 2xx.
Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Annotated, Any

import asyncpg  # type: ignore[import-untyped]
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
from sqlalchemy.util.concurrency import greenlet_spawn

from .context import AppState
from .errors import database_unavailable

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


# Set while a connection is checked out whose first statement tests it instead of the ping
# (a session-less read: ``_Reads``; a writing session: ``prepared.driver``, whose BEGIN does).
unpinged: ContextVar[bool] = ContextVar("unpinged", default=False)


def _ping_on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """One round trip (``;`` outside any transaction) on a connection that has been used
    before; one the server already closed is replaced without any. A failed ping invalidates
    the whole pool, as after a restart every pooled connection is dead."""
    if record.info.pop("fresh", False):
        return
    conn = dbapi_connection.driver_connection
    if conn.is_closed():
        raise exc.InvalidatePoolError("the server closed the connection")
    if unpinged.get():
        return
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

        # Where a route without a session gets its driver connection: a GET route's reads
        # (``dudao_shared.prepared.ReadConnection``) and a write that is one statement (the
        # status update); a test binds it to its own transaction.
        self.read_connection: Callable[[], AbstractAsyncContextManager[Any]] = self._pooled

    @asynccontextmanager
    async def _pooled(self) -> AsyncIterator[Any]:
        """A pooled connection outside any transaction (each statement its own snapshot, as in
        the AUTOCOMMIT read session, and its own commit), from the sessions' pool."""
        reads = _Reads(self.engine)
        try:
            yield reads
        finally:
            await reads.close()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


class _Reads:
    """The driver connection of a session-less read (``dudao_shared.prepared.ReadConnection``).

    It is checked out without the ping: on a read the ping is a round trip as long as the
    query itself. A statement that finds the connection dead (the server restarted, the
    backend terminated) is sent again, once, on a connection that is pinged — when it is the
    checkout's first, a read: nothing else ran on the dead one. A later statement may write
    (the status update's one statement, after its read); it is never sent twice.
    """

    __slots__ = ("_engine", "_fairy", "_used")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._fairy: Any = None
        self._used = False

    async def _checkout(self, *, ping: bool) -> Any:
        token = unpinged.set(not ping)
        try:
            self._fairy = await greenlet_spawn(self._engine.sync_engine.pool.connect)
        finally:
            unpinged.reset(token)
        return self._fairy.driver_connection

    async def _run(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        conn = self._fairy.driver_connection if self._fairy else await self._checkout(ping=False)
        try:
            result = await getattr(conn, method)(sql, *args)
        except (asyncpg.InterfaceError, asyncpg.PostgresError) as error:
            # Only the checkout's first statement is sent again: a later one may be a write
            # whose fate the dead connection took with it (its error is a 503, as any other).
            if self._used or not database_unavailable(error):
                raise
            await greenlet_spawn(self._fairy.invalidate, error)
            self._fairy = None
            conn = await self._checkout(ping=True)
            result = await getattr(conn, method)(sql, *args)
        self._used = True
        return result

    async def fetch(self, sql: str, *args: Any) -> Any:
        return await self._run("fetch", sql, args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        return await self._run("fetchrow", sql, args)

    async def close(self) -> None:
        if self._fairy is not None:
            await greenlet_spawn(self._fairy.close)
            self._fairy = None


READ_METHODS = frozenset({"GET", "HEAD"})


get_database = AppState("db", Database)
DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    db = get_database.of(request.app)
    maker = db.read_sessionmaker if request.method in READ_METHODS else db.sessionmaker
    async with maker() as session:
        try:
            yield session
            # A request that never used its session (a route that answered from the driver)
            # has nothing to commit: the commit would only walk SQLAlchemy's machinery.
            if session.in_transaction() or session.new or session.dirty or session.deleted:
                await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
