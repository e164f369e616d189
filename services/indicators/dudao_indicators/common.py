"""Small pieces every domain package of this service uses: ids, clocks, decimals, versions."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer
from sqlalchemy import Column, DateTime, Integer, Numeric
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Field

from dudao_shared.errors import PreconditionFailed


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def _decimal_to_json(d: Decimal) -> int | float:
    # JSON has no decimal type; an integral value goes out as an integer and anything else as
    # the shortest float that reads back to the same digits, so 5.2 never becomes 5.2000000001.
    if d == d.to_integral_value():
        return int(d)
    return float(d)


Num = Annotated[
    Decimal, PlainSerializer(_decimal_to_json, return_type=int | float, when_used="json")
]


def id_field(**kw: Any) -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=36, **kw)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def decimal_field(*, nullable: bool = True, **kw: Any) -> Any:
    # Numeric without scale: PostgreSQL keeps the digits exactly as entered.
    return Field(default=None, sa_type=Numeric(), nullable=nullable, **kw)


async def guarded_flush(flush: Callable[[], Awaitable[None]]) -> None:
    """Flush a versioned update; a concurrent writer that won the row turns into 412."""
    try:
        await flush()
    except StaleDataError:
        raise PreconditionFailed("数据已被他人修改，请刷新后重试") from None


def version_column() -> Column[int]:
    """A ``version`` column for ``__mapper_args__["version_id_col"]``: every UPDATE then runs
    ``… WHERE id = ? AND version = ?`` and bumps it, so of concurrent writers holding the same
    ETag exactly one wins and the rest get 412."""
    return Column("version", Integer, nullable=False)
