"""Idempotency-Key on the POSTs that create things: the first response to a key is stored and
replayed for that key.

The record is inserted first, inside the request's transaction, with ON CONFLICT DO NOTHING on
(principal, scope, key). A concurrent duplicate blocks on that unique index until the first
transaction ends, then finds the finished record and replays it; if the first failed, its
record rolled back with it and the retry runs afresh. A different body under a used key is 422.

Each service declares its own table from the mixin, in its models package::

    class IdempotencyRecord(IdempotencyRecordBase, TasksModel, table=True):
        __tablename__ = "idempotency_record"
        __table_args__ = idempotency_table_args()
        id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Header, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, DateTime, UniqueConstraint, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from .auth import Principal
from .clock import utcnow
from .errors import Conflict, ValidationFailed
from .versioning import set_etag

M = TypeVar("M", bound=BaseModel)

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="同一请求重试时使用相同的键"),
]


class IdempotencyRecordBase(SQLModel):
    """The columns of a service's ``idempotency_record`` table (the id is the service's own)."""

    principal_sub: str = Field(max_length=200)
    scope: str = Field(max_length=200)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int | None = Field(default=None)
    response: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False
    )


def idempotency_table_args() -> tuple[UniqueConstraint]:
    return (UniqueConstraint("principal_sub", "scope", "key", name="uq_idempotency_key"),)


class IdempotencyKeyReused(ValidationFailed):
    code, title = "idempotency_key_reused", "幂等键已用于不同的请求"


class IdempotencyInProgress(Conflict):
    code, title = "idempotency_in_progress", "相同幂等键的请求正在处理"


def _digest(scope: str, body: Any) -> str:
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    canonical = json.dumps([scope, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _new_id(model: type[IdempotencyRecordBase]) -> Any:
    # Services key their tables by UUID or by its text form; the record takes either.
    new = uuid.uuid4()
    id_type = model.__table__.c.id.type  # type: ignore[attr-defined]
    return new if id_type.python_type is uuid.UUID else str(new)


async def idempotent(
    session: AsyncSession,
    *,
    model: type[IdempotencyRecordBase],
    principal: Principal,
    key: str | None,
    scope: str,
    body: Any,
    response: Response,
    status_code: int,
    run: Callable[[], Awaitable[M]],
) -> M | JSONResponse:
    """Run ``run`` once per (caller, scope, key); later calls get the first response back.

    ``scope`` names the operation and its target (``"report:<assignment id>"``), so one key
    reused on another target is a different request.
    """
    if not key:
        return await run()
    table: Any = model
    sub = principal.sub[:200]
    digest = _digest(scope, body)
    owned = (
        await session.execute(
            insert(table)
            .values(
                id=_new_id(model),
                principal_sub=sub,
                scope=scope,
                key=key,
                request_hash=digest,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["principal_sub", "scope", "key"])
            .returning(table.id)
        )
    ).scalar_one_or_none()
    if owned is None:
        existing = (
            await session.execute(
                select(table.request_hash, table.status_code, table.response).where(
                    table.principal_sub == sub, table.scope == scope, table.key == key
                )
            )
        ).one()
        if existing.request_hash != digest:
            raise IdempotencyKeyReused(
                "该 Idempotency-Key 已用于内容不同的请求；请换用新的键",
                errors=[{"field": "Idempotency-Key", "message": "已用于不同的请求"}],
            )
        if existing.status_code is None or existing.response is None:
            raise IdempotencyInProgress(headers={"Retry-After": "1"})
        replay = JSONResponse(existing.response, status_code=existing.status_code)
        version = existing.response.get("version")
        if isinstance(version, int):
            set_etag(replay, version)
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    result = await run()
    response.status_code = status_code
    await session.execute(
        update(table)
        .where(table.id == owned)
        .values(status_code=status_code, response=result.model_dump(mode="json"))
        .execution_options(synchronize_session=False)
    )
    return result
