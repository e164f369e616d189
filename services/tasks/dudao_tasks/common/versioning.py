"""Optimistic concurrency: one conditional UPDATE decides, so concurrent writers can't both win."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.api import check_version, expected_version
from dudao_shared.errors import PreconditionFailed

from .time import utcnow


def require_version(if_match: str | None, current: int) -> int:
    """428 without If-Match, 412 when it names another version; returns the expected version."""
    check_version(if_match, current)
    return expected_version(if_match)


async def update_versioned(
    session: AsyncSession, obj: Any, expected: int, values: dict[str, Any]
) -> None:
    """``UPDATE … SET …, version = version + 1 WHERE id = … AND version = expected``.

    Under READ COMMITTED a concurrent writer that got there first makes this match no row
    once it commits, so exactly one of N requests carrying the same ETag succeeds.
    """
    model = type(obj)
    stmt = (
        update(model)
        .where(model.id == obj.id, model.version == expected)
        .values(**values, version=model.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    if cast("CursorResult[Any]", result).rowcount != 1:
        raise PreconditionFailed(f"版本 {expected} 已过期，请刷新后重试")
    await session.refresh(obj)


async def bump(session: AsyncSession, obj: Any, values: dict[str, Any]) -> None:
    """A server-side change (derived state): new version, no precondition."""
    model = type(obj)
    stmt = (
        update(model)
        .where(model.id == obj.id)
        .values(**values, version=model.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)
    await session.refresh(obj)
