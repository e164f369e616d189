"""Keyset pages on a real PostgreSQL: every row once, in order, and cursors that can't be forged
into another list or order."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dudao_shared.db import async_url
from dudao_shared.errors import ValidationFailed
from dudao_shared.pagination import encode_cursor, paginate, sort_order


class _Base(DeclarativeBase):
    pass


class Row(_Base):
    __tablename__ = "paged_row"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String)
    n: Mapped[int] = mapped_column(Integer)


ALLOWED = {"name": Row.name, "n": Row.n}


@pytest.fixture
async def session(databases) -> AsyncIterator[AsyncSession]:  # type: ignore[no-untyped-def]
    engine = create_async_engine(async_url(databases.create("paging")))
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    async with AsyncSession(engine) as s:
        s.add_all([Row(name=f"单位{i % 4}", n=i) for i in range(23)])
        await s.commit()
        yield s
    await engine.dispose()


async def _walk(session: AsyncSession, order: str, limit: int) -> list[Row]:
    order_by = sort_order(order, ALLOWED, default="name", id_column=Row.id)
    seen: list[Row] = []
    cursor: str | None = None
    while True:
        rows, cursor = await paginate(
            session, select(Row), limit=limit, cursor=cursor, order_by=order_by
        )
        assert len(rows) <= limit
        seen += rows
        if cursor is None:
            return seen


@pytest.mark.parametrize("order", ["name", "-name", "n", "-n"])
async def test_pages_cover_every_row_once_in_order(session: AsyncSession, order: str) -> None:
    seen = await _walk(session, order, limit=5)
    assert len({r.id for r in seen}) == 23 == len(seen)
    key = order.lstrip("-")
    values = [(getattr(r, key), r.id) for r in seen]
    assert values == sorted(values, reverse=order.startswith("-"))


async def test_a_page_exactly_full_has_no_next_cursor(session: AsyncSession) -> None:
    order_by = sort_order("n", ALLOWED, default="n", id_column=Row.id)
    rows, cursor = await paginate(session, select(Row), limit=23, cursor=None, order_by=order_by)
    assert len(rows) == 23 and cursor is None


async def test_unknown_sort_field_names_order(session: AsyncSession) -> None:
    with pytest.raises(ValidationFailed) as err:
        sort_order("secret", ALLOWED, default="name", id_column=Row.id)
    assert err.value.errors is not None and err.value.errors[0]["field"] == "order"


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "bm90IGpzb24",  # base64 of "not json"
        encode_cursor({"o": "wrong", "b": ">i:1"}),
        encode_cursor(["a list"]),  # type: ignore[arg-type]
    ],
)
async def test_garbage_cursor_is_422_naming_cursor(session: AsyncSession, cursor: str) -> None:
    order_by = sort_order("n", ALLOWED, default="n", id_column=Row.id)
    with pytest.raises(ValidationFailed) as err:
        await paginate(session, select(Row), limit=5, cursor=cursor, order_by=order_by)
    assert err.value.errors is not None and err.value.errors[0]["field"] == "cursor"


async def test_cursor_of_another_order_is_refused(session: AsyncSession) -> None:
    by_name = sort_order("name", ALLOWED, default="name", id_column=Row.id)
    by_n = sort_order("n", ALLOWED, default="n", id_column=Row.id)
    _, cursor = await paginate(session, select(Row), limit=5, cursor=None, order_by=by_name)
    with pytest.raises(ValidationFailed):
        await paginate(session, select(Row), limit=5, cursor=cursor, order_by=by_n)
