"""Keyset pagination, one way for every list route: ``{items, next_cursor}``.

Pages are cut by sqlakeyset on the statement's ORDER BY (which must end in a unique column, so
the order is total); the bookmark it gives travels inside our own opaque cursor together with
the order it belongs to, so a cursor can't be replayed against another sort. A page costs the
same at row 10 or row 1,000,000::

    @router.get("/api/v1/units")
    async def list_units(session: SessionDep, limit: Limit = 50, cursor: Cursor = None,
                         order: Order = None) -> Page[UnitRead]:
        order_by = sort_order(order, {"name": Unit.name}, default="name", id_column=Unit.id)
        rows, next_cursor = await paginate(session, select(Unit), limit=limit, cursor=cursor,
                                           order_by=order_by)
        return Page(items=[UnitRead.model_validate(u) for u in rows], next_cursor=next_cursor)
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlakeyset import BadBookmark, unserialize_bookmark
from sqlakeyset.asyncio import select_page
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from .errors import ValidationFailed

T = TypeVar("T")

DEFAULT_LIMIT = 50


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="下一页游标；为空表示没有更多")


Limit = Annotated[int, Query(ge=1, le=500, description="每页条数（默认 50，最大 500）")]
Cursor = Annotated[str | None, Query(description="上一页返回的 next_cursor")]
Order = Annotated[
    str | None, Query(description="排序字段，前加 - 为倒序", max_length=40, pattern=r"^[-+]?\w+$")
]


def _bad(field: str, message: str, detail: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[{"field": field, "message": message}])


def sort_order(
    order: str | None,
    allowed: Mapping[str, Any],
    *,
    default: str,
    id_column: Any,
) -> list[ColumnElement[Any]]:
    """``order`` (``"name"``, ``"-created_at"``) → ORDER BY columns ending in the id, so the
    order is total; 422 naming ``order`` for a field that is not sortable. Sort columns must be
    NOT NULL."""
    raw = order or default
    desc = raw.startswith("-")
    name = raw.lstrip("-+")
    if name not in allowed:
        raise _bad("order", f"可选：{'、'.join(sorted(allowed))}", "排序字段无效")
    column = allowed[name]
    if desc:
        return [column.desc(), id_column.desc()]
    return [column.asc(), id_column.asc()]


def encode_cursor(values: Mapping[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        data = None
    if not isinstance(data, dict):
        raise _bad("cursor", "无法识别的游标", "分页游标无效")
    return data


def keyset_cursor(name: str, key: Sequence[Any]) -> str:
    """The cursor of a page cut by hand (a statement on the driver, ``dudao_shared.prepared``):
    the list's name and its last row's sort key, JSON values."""
    return encode_cursor({"o": name, "k": list(key)})


def keyset_place(
    cursor: str | None, name: str, parse: Callable[[list[Any]], list[Any]]
) -> list[Any] | None:
    """The sort key ``keyset_cursor`` put in ``cursor`` (None for the first page), through
    ``parse`` (which raises ValueError or TypeError on what does not fit); 422 naming
    ``cursor`` for another list's cursor or a hand-edited one."""
    data = decode_cursor(cursor)
    if data is None:
        return None
    key = data.get("k")
    if data.get("o") != name or not isinstance(key, list):
        raise _bad("cursor", "游标不属于此列表或此排序", "分页游标无效")
    try:
        return parse(key)
    except (ValueError, TypeError):
        raise _bad("cursor", "无法识别的游标", "分页游标无效") from None


def _order_key(order_by: Sequence[ColumnElement[Any]]) -> str:
    # A short fingerprint of the ORDER BY: a cursor only fits the list and order it came from.
    text = ",".join(str(c) for c in order_by)
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    limit: int,
    cursor: str | None,
    order_by: Sequence[ColumnElement[Any]],
    scalars: bool = True,
) -> tuple[list[Any], str | None]:
    """One page of ``stmt`` and the cursor of the next (None at the end).

    ``scalars`` returns the first entity of each row (``select(Unit)`` → ``Unit`` objects);
    pass False for multi-column selects to get the rows themselves.
    """
    key = _order_key(order_by)
    place = None
    data = decode_cursor(cursor)
    if data is not None:
        if data.get("o") != key or not isinstance(data.get("b"), str):
            raise _bad("cursor", "游标不属于此列表或此排序", "分页游标无效")
        try:
            place = unserialize_bookmark(data["b"])
        except (BadBookmark, ValueError, TypeError, KeyError, IndexError):
            raise _bad("cursor", "无法识别的游标", "分页游标无效") from None
    try:
        page = await select_page(
            session, stmt.order_by(None).order_by(*order_by), per_page=limit, page=place
        )
    except (ValueError, TypeError):
        # A bookmark whose values do not fit the columns' types (hand-edited cursors).
        raise _bad("cursor", "无法识别的游标", "分页游标无效") from None
    rows = [row[0] for row in page] if scalars else list(page)
    next_cursor = (
        encode_cursor({"o": key, "b": page.paging.bookmark_next}) if page.paging.has_next else None
    )
    return rows, next_cursor
