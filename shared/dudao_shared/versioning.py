"""Optimistic concurrency, one way: a ``version`` column SQLAlchemy guards on every UPDATE.

A versioned table maps its ``version`` column as ``version_id_col``; SQLAlchemy then writes
``UPDATE … SET version = version + 1 … WHERE id = :id AND version = :loaded`` and raises
``StaleDataError`` when no row matched. Under READ COMMITTED a concurrent writer that committed
first makes that UPDATE match nothing, so of N requests carrying the same ETag exactly one wins
and the rest get 412 from :func:`flush_versioned`.

A route that changes a row takes ``expected: IfMatchVersion`` (the header parsed once) and
calls ``require_version(row.version, expected)`` before changing it::

    @router.patch("/api/v1/tasks/{task_id}")
    async def update_task(task: WritableTask, body: TaskUpdate, expected: IfMatchVersion,
                          session: SessionDep, response: Response) -> TaskRead:
        require_version(task.version, expected)
        await service.update_task(session, task, body)   # sets attributes, flush_versioned()
        set_etag(response, task.version)
        return TaskRead.model_validate(task)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import Depends, Header, Response
from sqlalchemy import Column, Integer, Table, Update, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from .errors import PreconditionFailed, PreconditionRequired
from .prepared import Prepared


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def parse_if_match(if_match: str | None) -> int:
    """``If-Match`` → the expected version: missing → 428; unparsable → 412 (it matches no
    version, which is what RFC 9110 says a failed precondition is)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("请在 If-Match 中携带读取时的 ETag")
    tag = if_match.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    try:
        return int(tag.strip('"'))
    except ValueError:
        raise PreconditionFailed("If-Match 与当前版本不符") from None


async def _if_match(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="读取时得到的 ETag（版本号）")
    ] = None,
) -> int:
    return parse_if_match(if_match)


IfMatchVersion = Annotated[int, Depends(_if_match)]
"""The expected version named by ``If-Match`` (428 when missing, 412 when unparsable)."""


def require_version(current: int, expected: int) -> None:
    """412 when the client's copy is not the stored one."""
    if current != expected:
        raise PreconditionFailed(f"当前版本为 {current}，请刷新后重试")


def version_column() -> Column[int]:
    """A fresh ``version`` column for one table; map it with
    ``__mapper_args__ = {"version_id_col": column}`` and ``Field(default=1, sa_column=column)``."""
    return Column("version", Integer, nullable=False, default=1)


async def flush_versioned(session: AsyncSession) -> None:
    """Flush pending changes; a concurrent writer that won the row turns into 412."""
    try:
        await session.flush()
    except StaleDataError:
        raise PreconditionFailed("数据已被他人修改，请刷新后重试") from None


def versioned_update(
    table: Table, columns: Sequence[str], returning: Sequence[str], *, prefix: str = ""
) -> Update:
    """A hot path's UPDATE, built once at import: ``SET <columns> = :<column>, version =
    version + 1 WHERE id = :row_id AND version = :expected RETURNING <returning>``.

    The same version check SQLAlchemy makes for a mapped ``version_id_col``, in one statement
    with no unit-of-work and no re-read; run it with :func:`execute_versioned_on`. ``prefix``
    names the values ``<prefix><column>`` (needed when the UPDATE is part of a larger
    statement, where a column's own name is reserved).
    """
    c = table.c
    return (
        update(table)
        .where(c.id == bindparam("row_id"), c.version == bindparam("expected"))
        .values(
            {
                **{name: bindparam(prefix + name, type_=c[name].type) for name in columns},
                "version": c.version + 1,
            }
        )
        .returning(*(c[name] for name in returning))
    )


async def execute_versioned_on(conn: Any, stmt: Prepared, params: Mapping[str, Any]) -> Any:
    """Run a prepared :func:`versioned_update` on the driver connection
    (``dudao_shared.prepared``); no row matched (another writer won) → 412."""
    row = await stmt.fetchrow(conn, params)
    if row is None:
        raise PreconditionFailed("数据已被他人修改，请刷新后重试")
    return row
