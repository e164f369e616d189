"""If-Match parsed once; one version mechanism on a real table: of two writers holding the same
version exactly one wins."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dudao_shared.db import async_url
from dudao_shared.errors import PreconditionFailed, PreconditionRequired
from dudao_shared.versioning import flush_versioned, parse_if_match, require_version


@pytest.mark.parametrize(("header", "expected"), [('"3"', 3), ('W/"7"', 7), (" 12 ", 12)])
def test_if_match_gives_the_expected_version(header: str, expected: int) -> None:
    assert parse_if_match(header) == expected


@pytest.mark.parametrize("header", [None, "", "  "])
def test_missing_if_match_is_428(header: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        parse_if_match(header)


@pytest.mark.parametrize("header", ['"abc"', "*", '"1.5"'])
def test_unparsable_if_match_is_412(header: str) -> None:
    with pytest.raises(PreconditionFailed):
        parse_if_match(header)


def test_require_version() -> None:
    require_version(4, 4)
    with pytest.raises(PreconditionFailed):
        require_version(4, 3)


class _Base(DeclarativeBase):
    pass


class Doc(_Base):
    __tablename__ = "versioned_doc"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String)
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__: Any = {"version_id_col": version}


async def test_second_writer_on_a_stale_version_gets_412(databases: Any) -> None:
    engine = create_async_engine(async_url(databases.create("versioning")))
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as s:
            doc = Doc(title="一")
            s.add(doc)
            await s.commit()
            doc_id = doc.id
        async with (
            AsyncSession(engine, expire_on_commit=False) as a,
            AsyncSession(engine, expire_on_commit=False) as b,
        ):
            first = await a.get_one(Doc, doc_id)
            second = await b.get_one(Doc, doc_id)
            assert first.version == second.version == 1
            first.title = "二"
            await flush_versioned(a)
            await a.commit()
            assert first.version == 2
            second.title = "三"
            with pytest.raises(PreconditionFailed):
                await flush_versioned(b)
    finally:
        await engine.dispose()
