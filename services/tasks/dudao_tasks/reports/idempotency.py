"""Idempotency-Key: the first response to a key is stored and replayed for that key.

The record is inserted first, inside the request's transaction, with ON CONFLICT DO NOTHING
on (principal, scope, key). A concurrent duplicate blocks on that unique index until the
first transaction ends, then finds the finished record and replays it — so N identical
requests store one result. A different body under a used key is refused.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.errors import Conflict, ValidationFailed

from ..models import IdempotencyRecord


class IdempotencyKeyReused(ValidationFailed):
    code, title = "idempotency_key_reused", "幂等键已用于不同的请求"


class IdempotencyInProgress(Conflict):
    code, title = "idempotency_in_progress", "相同幂等键的请求正在处理"


def request_hash(scope: str, target: str, body: Any) -> str:
    canonical = json.dumps([scope, target, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(slots=True)
class Claim:
    record_id: uuid.UUID | None
    replay: tuple[int, dict[str, Any]] | None


async def claim(
    session: AsyncSession, *, principal: Principal, scope: str, key: str, digest: str
) -> Claim:
    """Own the key (``record_id``) or get the stored response to replay (``replay``)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new_id = uuid.uuid4()
    stmt = (
        insert(IdempotencyRecord)
        .values(
            id=new_id, principal_sub=principal.sub[:200], scope=scope, key=key, request_hash=digest
        )
        .on_conflict_do_nothing(index_elements=["principal_sub", "scope", "key"])
        .returning(col(IdempotencyRecord.id))
    )
    owned = (await session.execute(stmt)).scalar_one_or_none()
    if owned is not None:
        return Claim(owned, None)
    existing = (
        await session.execute(
            select(IdempotencyRecord)
            .where(
                IdempotencyRecord.principal_sub == principal.sub[:200],
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
            )
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if existing.request_hash != digest:
        raise IdempotencyKeyReused(
            "该 Idempotency-Key 已用于内容不同的请求；请换用新的键",
            errors=[{"field": "Idempotency-Key", "message": "已用于不同的请求"}],
        )
    if existing.response is None or existing.status_code is None:
        raise IdempotencyInProgress(headers={"Retry-After": "1"})
    return Claim(None, (existing.status_code, existing.response))


async def complete(
    session: AsyncSession, record_id: uuid.UUID, status_code: int, response: dict[str, Any]
) -> None:
    await session.execute(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.id) == record_id)
        .values(status_code=status_code, response=response)
        .execution_options(synchronize_session=False)
    )
