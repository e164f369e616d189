"""Keyset pagination over (sort column, id) with an opaque cursor."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Date, DateTime, Integer, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from dudao_shared.api import decode_cursor, encode_cursor
from dudao_shared.errors import ValidationFailed

T = TypeVar("T")


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "分页游标无效", errors=[{"field": "cursor", "message": "无法识别的游标"}]
    )


def parse_order(
    order: str | None, allowed: Mapping[str, InstrumentedAttribute[Any]], default: str
) -> tuple[str, InstrumentedAttribute[Any], bool]:
    raw = order or default
    desc = raw.startswith("-")
    name = raw.lstrip("-+")
    if name not in allowed:
        raise ValidationFailed(
            "排序字段无效",
            errors=[{"field": "order", "message": f"可选：{'、'.join(sorted(allowed))}"}],
        )
    return name, allowed[name], desc


def _cursor_value(column: InstrumentedAttribute[Any], raw: Any) -> Any:
    kind = column.property.columns[0].type
    try:
        if raw is None:
            return None
        if isinstance(kind, DateTime):
            return dt.datetime.fromisoformat(str(raw))
        if isinstance(kind, Date):
            return dt.date.fromisoformat(str(raw))
        if isinstance(kind, Integer):
            return int(raw)
        return str(raw)
    except (ValueError, TypeError):
        raise _bad_cursor() from None


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    id_column: InstrumentedAttribute[Any],
    order: str | None,
    allowed: Mapping[str, InstrumentedAttribute[Any]],
    default: str,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Any], str | None]:
    """Rows of one page and the cursor of the next (None at the end).

    Sort columns must be NOT NULL, so that (value, id) is a total order.
    """
    name, column, desc = parse_order(order, allowed, default)
    data = decode_cursor(cursor)
    if data is not None:
        if data.get("o") != (("-" if desc else "") + name) or "id" not in data:
            raise _bad_cursor()
        value = _cursor_value(column, data.get("v"))
        try:
            last_id = uuid.UUID(str(data["id"]))
        except ValueError:
            raise _bad_cursor() from None
        if desc:
            stmt = stmt.where(or_(column < value, and_(column == value, id_column < last_id)))
        else:
            stmt = stmt.where(or_(column > value, and_(column == value, id_column > last_id)))
    ordering = (column.desc(), id_column.desc()) if desc else (column.asc(), id_column.asc())
    rows = (await session.execute(stmt.order_by(*ordering).limit(limit + 1))).scalars().all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    value = getattr(last, column.key)
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    return rows, encode_cursor({"o": ("-" if desc else "") + name, "v": value, "id": str(last.id)})
