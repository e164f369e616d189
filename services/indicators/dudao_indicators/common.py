"""Small pieces every domain package of this service uses: clocks, decimals, versioned flushes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer
from sqlalchemy.orm.exc import StaleDataError

from dudao_shared.errors import PreconditionFailed


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


# A number as a client may send it: at most 24 digits, 10 after the point, never NaN or infinity.
DecimalIn = Annotated[Decimal, Field(max_digits=24, decimal_places=10, allow_inf_nan=False)]


async def guarded_flush(flush: Callable[[], Awaitable[None]]) -> None:
    """Flush a versioned update; a concurrent writer that won the row turns into 412."""
    try:
        await flush()
    except StaleDataError:
        raise PreconditionFailed("数据已被他人修改，请刷新后重试") from None
