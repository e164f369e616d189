"""Hot paths run their statements straight on the driver: compiled once, prepared by asyncpg.

Running a Core statement through ``AsyncSession.execute`` costs several times the statement
itself in Python (execution context, result proxy, ORM compile state, greenlet hops) — about
250 µs of CPU per statement on a 2-core machine, against 40 µs for asyncpg's own prepared
statement. The routes every unit calls in a reporting week (a task read, an assignment read,
the status update) and the scorecard use :class:`Prepared` instead:

    _LOAD = Prepared(select(Item.__table__).where(Item.id == bindparam("iid")))
    row = await _LOAD.fetchrow(conn, {"iid": iid})

- The statement is written with SQLAlchemy Core (the same tables, the same expressions as the
  rest of the service) and compiled once at import for asyncpg; its bound values go through
  the column types' bind processors (JSON is serialised as SQLAlchemy would) and Python-made
  column values (``default=``, ``onupdate=``) are made as SQLAlchemy makes them, so a row
  reads and writes the same as through the session.
- ``conn`` is an asyncpg connection: :func:`driver` gives the request session's own, inside
  its transaction (so these statements commit or roll back with the rest of the request), and
  :data:`ReadConnection` gives a GET route one without any session at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Request
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.sql import ClauseElement, Insert
from sqlalchemy.types import Float, Numeric, TypeDecorator

from .db import get_database, unpinged
from .errors import database_unavailable

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

T = TypeVar("T")

# A row as the driver gives it (``asyncpg.Record``: values by column name, ``.items()``).
Record = Mapping[str, Any]


class Prepared:
    """One Core statement compiled for asyncpg with ``$n`` placeholders."""

    __slots__ = ("sql", "_names", "_defaults", "_bind", "_generated")

    def __init__(self, stmt: ClauseElement) -> None:
        compiled: Any = stmt.compile(dialect=_DIALECT)
        if "POSTCOMPILE" in compiled.string:
            # An expanding IN is rewritten per execution; write its items as ``literal(…)``.
            raise TypeError("an expanding IN cannot be prepared once: use literal() per item")
        self.sql: str = compiled.string
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ())
        # Literals the expression carries as bound values (``kind IN ('task', 'project')``).
        self._defaults: dict[str, Any] = dict(compiled.params)
        processors: Mapping[str, Callable[[Any], Any]] = compiled._bind_processors
        self._bind: tuple[Callable[[Any], Any] | None, ...] = tuple(
            processors.get(name) for name in self._names
        )
        # Columns whose value Python makes at execution (``default=``/``onupdate=``, such as
        # ``updated_at``), as SQLAlchemy would when the statement does not set them.
        generated: dict[str, Callable[[], Any]] = {}
        for column in compiled.insert_prefetch:
            generated[column.key] = _maker(column.default)
        for column in compiled.update_prefetch:
            generated[column.key] = _maker(column.onupdate)
        if isinstance(stmt, Insert):
            # ``insert(table)`` without values binds every column; one left out of the
            # parameters takes its default, as the session does.
            for name in self._names:
                column = stmt.table.c.get(name)
                if column is not None and column.default is not None:
                    generated.setdefault(name, _maker(column.default))
        self._generated = generated
        # SQLAlchemy fills these in for the top statement only: a DML statement inside a CTE
        # must set such a column itself.
        for column in getattr(stmt, "selected_columns", ()):
            # A row is passed on as the driver decodes it (asyncpg gives the same Python
            # values as the session for every column type we use; JSON is decoded by the codec
            # SQLAlchemy installs on each connection). A type that converts values in Python
            # would be skipped silently, so it is refused here.
            if _converts_results(column.type):
                raise TypeError(f"{column.key}: a TypeDecorator column needs the session")

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, proc in zip(self._names, self._bind, strict=True):
            if name in params:
                value = params[name]
            elif name in self._generated:
                value = self._generated[name]()
            else:
                value = self._defaults[name]
            out.append(proc(value) if proc is not None and value is not None else value)
        return out

    async def fetchrow(self, conn: Any, params: Mapping[str, Any]) -> Any:
        """The first row (an ``asyncpg.Record``, read by column name), or None."""
        return await conn.fetchrow(self.sql, *self.args(params))

    async def fetch(self, conn: Any, params: Mapping[str, Any]) -> list[Any]:
        return list(await conn.fetch(self.sql, *self.args(params)))

    async def execute(self, conn: Any, params: Mapping[str, Any]) -> None:
        await conn.execute(self.sql, *self.args(params))


def _converts_results(type_: Any) -> bool:
    """A type whose values the session converts after the driver: a ``TypeDecorator`` with its
    own ``process_result_value`` (sqlmodel's ``AutoString`` converts nothing), a ``Float`` read
    as ``Decimal`` or a ``Numeric`` read as float (asyncpg gives float and Decimal)."""
    if isinstance(type_, Float):
        return bool(type_.asdecimal)
    if isinstance(type_, Numeric):
        return not type_.asdecimal
    return isinstance(type_, TypeDecorator) and (
        type(type_).process_result_value is not TypeDecorator.process_result_value
    )


def _maker(default: Any) -> Callable[[], Any]:
    if default.is_scalar:
        value = default.arg
        return lambda: value
    if not default.is_callable:
        raise TypeError(f"unsupported column default for a prepared statement: {default!r}")
    # SQLAlchemy wraps a plain function as ``fn(context)``; ours never read the context.
    fn = default.arg
    return lambda: fn(None)


async def driver(session: AsyncSession) -> Any:
    """The session's asyncpg connection, with the session's transaction begun on it.

    SQLAlchemy's asyncpg adapter issues BEGIN lazily, before its own first statement; a
    statement sent to the driver before that would run outside the transaction (and commit on
    its own), so the transaction is started here first. An AUTOCOMMIT session (GET) has none.

    A writing session's first connection is taken without the ping: its BEGIN is the same
    round trip, and a connection it finds dead (nothing has run on it) is replaced by a pinged
    one before anything else happens.
    """
    writes = not session.in_transaction() and _isolation(session) != "AUTOCOMMIT"
    if writes:
        token = unpinged.set(True)
        try:
            connection = await session.connection()
        finally:
            unpinged.reset(token)
        try:
            return await _begun(connection)
        except Exception as error:  # noqa: BLE001 - the adapter wraps the driver's error
            if not database_unavailable(error.__cause__ or error):
                raise
            await session.invalidate()
    return await _begun(await session.connection())


def _isolation(session: AsyncSession) -> str | None:
    bind: Any = session.bind
    sync = getattr(bind, "sync_connection", None) or bind.sync_engine
    level: str | None = sync.get_execution_options().get("isolation_level")
    return level


async def _begun(connection: Any) -> Any:
    fairy = await connection.get_raw_connection()
    adapted: Any = fairy.dbapi_connection
    if adapted._transaction is None and adapted.isolation_level != "autocommit":
        async with adapted._execute_mutex:
            if adapted._transaction is None:
                await adapted._start_transaction()
    return adapted._connection


def attach(session: AsyncSession, model: type[T], row: Record) -> T:
    """An ORM instance of ``model`` for a row read on the driver, persistent in ``session``
    as if the session had loaded it (the identity map's own instance when it has one), so the
    usual unit of work and version check apply to any change made to it. The row must hold
    every column of the model's table."""
    mapper: Any = model.__mapper__  # type: ignore[attr-defined]
    if not mapper.configured:
        configure_mappers()
    sync = session.sync_session
    key = mapper.identity_key_from_primary_key([row[c.key] for c in mapper.primary_key])
    existing = sync.identity_map.get(key)
    if existing is not None:
        return cast(T, existing)
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(row.items())
    make_transient_to_detached(obj)
    sync.add(obj)
    return cast(T, obj)


async def read_connection(request: Request) -> AsyncIterator[Any]:
    """A driver connection for a GET route that needs no session (``Database.read_connection``)."""
    async with get_database.of(request.app).read_connection() as conn:
        yield conn


ReadConnection = Annotated[Any, Depends(read_connection, scope="function")]
