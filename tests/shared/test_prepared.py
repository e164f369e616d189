"""Statements run on the driver (``dudao_shared.prepared``) behave as through the session: the
same values in and out, Python-made column values, the request's transaction, and ORM instances
the unit of work treats as loaded."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    DateTime,
    String,
    TypeDecorator,
    bindparam,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dudao_shared.db import Database
from dudao_shared.errors import PreconditionFailed
from dudao_shared.prepared import Prepared, attach, driver
from dudao_shared.versioning import execute_versioned_on, flush_versioned, versioned_update


class _Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Note(_Base):
    __tablename__ = "prepared_note"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(nullable=False, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )
    __mapper_args__: Any = {"version_id_col": version}


_T = Note.__table__
_INSERT = Prepared(insert(_T))
_BY_KIND = Prepared(
    select(*_T.c)
    .where(_T.c.id == bindparam("id"), _T.c.kind.in_([literal("a"), literal("b")]))
    .limit(1)
)
_RETITLE = Prepared(versioned_update(_T, ["kind"], ["version", "updated_at"]))


@pytest.fixture
async def db(databases: Any) -> Any:
    database = Database(databases.create("prepared"))
    async with database.engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    yield database
    await database.dispose()


async def test_values_in_and_out_as_through_the_session(db: Database) -> None:
    note_id = uuid.uuid4()
    async with db.sessionmaker() as session:
        conn = await driver(session)
        # ``id`` given, ``version``/``updated_at`` made by their column defaults, JSON serialised.
        await _INSERT.execute(conn, {"id": note_id, "kind": "a", "body": {"名称": "一", "n": 1}})
        await session.commit()
    async with db.sessionmaker() as session:
        via_session = (await session.execute(select(*_T.c).where(_T.c.id == note_id))).one()
        via_driver = await _BY_KIND.fetchrow(await driver(session), {"id": note_id})
    assert dict(via_driver.items()) == via_session._asdict()
    assert via_driver["body"] == {"名称": "一", "n": 1} and via_driver["version"] == 1
    assert isinstance(via_driver["updated_at"], dt.datetime)
    # The literal list of the IN is part of the prepared statement.
    async with db.read_connection() as conn:
        async with db.sessionmaker() as session:
            await session.execute(update(_T).where(_T.c.id == note_id).values(kind="c"))
            await session.commit()
        assert await _BY_KIND.fetchrow(conn, {"id": note_id}) is None


async def test_driver_statements_belong_to_the_session_transaction(db: Database) -> None:
    note_id = uuid.uuid4()
    async with db.sessionmaker() as session:
        await _INSERT.execute(await driver(session), {"id": note_id, "kind": "a", "body": {}})
        await session.rollback()
    async with db.read_connection() as conn:
        assert await _BY_KIND.fetchrow(conn, {"id": note_id}) is None


async def test_versioned_update_on_the_driver(db: Database) -> None:
    note_id = uuid.uuid4()
    async with db.sessionmaker() as session:
        conn = await driver(session)
        await _INSERT.execute(conn, {"id": note_id, "kind": "a", "body": {}})
        before = await _BY_KIND.fetchrow(conn, {"id": note_id})
        row = await execute_versioned_on(
            conn, _RETITLE, {"row_id": note_id, "expected": 1, "kind": "b"}
        )
        # ``updated_at`` is the column's ``onupdate``, made anew.
        assert row["version"] == 2 and row["updated_at"] > before["updated_at"]
        with pytest.raises(PreconditionFailed):
            await execute_versioned_on(
                conn, _RETITLE, {"row_id": note_id, "expected": 1, "kind": "a"}
            )
        await session.commit()


async def test_attached_row_is_loaded_for_the_unit_of_work(db: Database) -> None:
    note_id = uuid.uuid4()
    async with db.sessionmaker() as session:
        await _INSERT.execute(await driver(session), {"id": note_id, "kind": "a", "body": {}})
        await session.commit()
    async with AsyncSession(db.engine, expire_on_commit=False) as session:
        row = await _BY_KIND.fetchrow(await driver(session), {"id": note_id})
        note = attach(session, Note, row)
        assert attach(session, Note, row) is note  # the identity map's own instance
        assert await session.get(Note, note_id) is note
        note.kind = "b"
        await flush_versioned(session)  # UPDATE … WHERE version = 1, no reload
        await session.commit()
    async with db.read_connection() as conn:
        again = await _BY_KIND.fetchrow(conn, {"id": note_id})
    assert (again["kind"], again["version"]) == ("b", 2)


class _Upper(TypeDecorator[str]):
    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return value.upper() if value else value


def test_a_type_that_converts_results_is_refused() -> None:
    from sqlalchemy import Column, MetaData, Table

    table = Table("shouting", MetaData(), Column("word", _Upper()))
    with pytest.raises(TypeError, match="word"):
        Prepared(select(table.c.word))


def test_an_expanding_in_is_refused() -> None:
    with pytest.raises(TypeError, match="literal"):
        Prepared(select(_T.c.id).where(_T.c.kind.in_(["a", "b"])))
