"""Which unit may report which indicator for which region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.idempotency import IdempotencyKey, idempotent
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.versioning import IfMatchVersion, set_etag

from ..models import IdempotencyRecord
from . import service
from .dependencies import GrantsInReach, NewGrant, OwnUnit, ReadableGrant, WritableGrant
from .schemas import GrantRead

router = APIRouter(prefix="/api/v1/indicator_grants", tags=["indicator_grants"])


@router.get("", response_model=Page[GrantRead])
async def list_grants(
    session: SessionDep,
    only_unit: OwnUnit,
    reach: GrantsInReach,
    unit_id: Annotated[str | None, Query(max_length=64)] = None,
    indicator_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[GrantRead]:
    """指标填报授权列表（单位只看到自己的）"""
    rows, nxt = await service.list_(
        session,
        only_unit=only_unit,
        reach=reach,
        unit_id=unit_id,
        indicator_id=indicator_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[GrantRead.model_validate(g) for g in rows], next_cursor=nxt)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=GrantRead,
    responses=problem_responses(NotFound, Forbidden, Conflict, ValidationFailed),
)
async def create_grant(
    data: NewGrant,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> GrantRead | JSONResponse:
    """授权某单位填报某指标在某区划的数据（支持 Idempotency-Key）"""

    async def run() -> GrantRead:
        g = await service.create(session, data=data, granted_by=principal.sub)
        set_etag(response, g.version)
        return GrantRead.model_validate(g)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope="indicator_grants.create",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


@router.get("/{grant_id}", response_model=GrantRead, responses=problem_responses(NotFound))
async def get_grant(g: ReadableGrant, response: Response) -> GrantRead:
    """查看授权"""
    set_etag(response, g.version)
    return GrantRead.model_validate(g)


@router.delete(
    "/{grant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(NotFound, Forbidden, PreconditionFailed, PreconditionRequired),
)
async def delete_grant(g: WritableGrant, session: SessionDep, expected: IfMatchVersion) -> None:
    """撤销授权（需 If-Match）"""
    await service.delete(session, grant=g, expected=expected)
