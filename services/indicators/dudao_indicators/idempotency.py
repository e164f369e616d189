"""Idempotency-Key on the POSTs that create things: the first response to a key is stored and
replayed for that key.

The record is inserted first, inside the request's transaction, with ON CONFLICT DO NOTHING on
(principal, scope, key). A concurrent duplicate blocks on that unique index until the first
transaction ends, then finds the finished record and replays it; if the first failed, its
record rolled back with it and the retry runs afresh. A different body under a used key is 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.api import set_etag
from dudao_shared.auth import Principal
from dudao_shared.errors import Conflict, ValidationFailed

from .common import utcnow
from .models import IdempotencyRecord
from .models.base import new_id

M = TypeVar("M", bound=BaseModel)


class IdempotencyKeyReused(ValidationFailed):
    code, title = "idempotency_key_reused", "幂等键已用于不同的请求"


class IdempotencyInProgress(Conflict):
    code, title = "idempotency_in_progress", "相同幂等键的请求正在处理"


def _digest(scope: str, body: BaseModel) -> str:
    canonical = json.dumps(
        [scope, body.model_dump(mode="json")], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def idempotent(
    session: AsyncSession,
    *,
    principal: Principal,
    key: str | None,
    scope: str,
    body: BaseModel,
    response: Response,
    status_code: int,
    run: Callable[[], Awaitable[M]],
) -> M | JSONResponse:
    """Run ``run`` once per (caller, scope, key); later calls get the first response back."""
    if not key:
        return await run()
    digest = _digest(scope, body)
    ins = pg_insert(IdempotencyRecord)
    owned = (
        await session.execute(
            ins.values(
                id=new_id(),
                principal_sub=principal.sub[:200],
                scope=scope,
                key=key,
                request_hash=digest,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["principal_sub", "scope", "key"])
            .returning(col(IdempotencyRecord.id))
        )
    ).scalar_one_or_none()
    if owned is None:
        existing = (
            await session.execute(
                select(
                    col(IdempotencyRecord.request_hash),
                    col(IdempotencyRecord.status_code),
                    col(IdempotencyRecord.response),
                ).where(
                    IdempotencyRecord.principal_sub == principal.sub[:200],
                    IdempotencyRecord.scope == scope,
                    IdempotencyRecord.key == key,
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
        if isinstance(existing.response.get("version"), int):
            set_etag(replay, existing.response["version"])
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    result = await run()
    await session.execute(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.id) == owned)
        .values(status_code=status_code, response=result.model_dump(mode="json"))
    )
    return result
