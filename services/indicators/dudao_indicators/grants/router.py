"""Which unit may report which indicator for which region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import select

from dudao_shared.api import (
    IdempotencyKey,
    IfMatch,
    Page,
    check_version,
    decode_cursor,
    encode_cursor,
    set_etag,
)
from dudao_shared.auth import CurrentPrincipal, StaffWriter
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

from ..access import require_region
from ..common import guarded_flush
from ..idempotency import idempotent
from ..indicators.dependencies import writable_indicator
from ..models import Indicator, IndicatorGrant
from ..regions import contains
from .schemas import GrantCreate, GrantRead

router = APIRouter(prefix="/api/v1/indicator_grants", tags=["indicator_grants"])
GrantId = Annotated[str, Path(max_length=200, description="授权标识")]


class GrantNotFound(NotFound):
    code, title = "grant_not_found", "授权不存在"


class GrantExists(Conflict):
    code, title = "grant_exists", "该授权已存在"


def _read(g: IndicatorGrant) -> GrantRead:
    return GrantRead.model_validate(g, from_attributes=True)


@router.get("", response_model=Page[GrantRead])
async def list_grants(
    session: SessionDep,
    principal: CurrentPrincipal,
    unit_id: Annotated[str | None, Query(max_length=64)] = None,
    indicator_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[GrantRead]:
    """指标填报授权列表（单位只看到自己的）"""
    q = select(IndicatorGrant)
    if principal.is_unit:
        q = q.where(IndicatorGrant.unit_id == principal.unit_id)
    if unit_id is not None:
        q = q.where(IndicatorGrant.unit_id == unit_id)
    if indicator_id is not None:
        q = q.where(IndicatorGrant.indicator_id == indicator_id)
    after = decode_cursor(cursor)
    if after is not None:
        q = q.where(IndicatorGrant.id > str(after.get("id", "")))
    rows = list((await session.scalars(q.order_by(IndicatorGrant.id).limit(limit + 1))).all())
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = encode_cursor({"id": rows[-1].id})
    return Page(items=[_read(g) for g in rows], next_cursor=nxt)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=GrantRead,
    responses=problem_responses(NotFound, Forbidden, Conflict, ValidationFailed),
)
async def create_grant(
    data: GrantCreate,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> GrantRead | JSONResponse:
    """授权某单位填报某指标在某区划的数据（支持 Idempotency-Key）"""
    ind = await writable_indicator(data.indicator_id, session, principal)
    if not contains(ind.region_code, data.region_code):
        raise ValidationFailed(
            "区划不在该规划范围内",
            errors=[{"field": "region_code", "message": f"须在 {ind.region_code} 之内"}],
        )

    async def run() -> GrantRead:
        dup = await session.scalar(
            select(IndicatorGrant.id).where(
                IndicatorGrant.unit_id == data.unit_id,
                IndicatorGrant.indicator_id == data.indicator_id,
                IndicatorGrant.region_code == data.region_code,
            )
        )
        if dup:
            raise GrantExists(f"该单位已获授权（{dup}）")
        g = IndicatorGrant(**data.model_dump(), granted_by=principal.sub)
        session.add(g)
        await session.flush()
        set_etag(response, g.version)
        return _read(g)

    return await idempotent(
        session,
        principal=principal,
        key=idempotency_key,
        scope="indicator_grants.create",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


async def _load(session: SessionDep, principal: CurrentPrincipal, grant_id: str) -> IndicatorGrant:
    g = await session.get(IndicatorGrant, grant_id) if len(grant_id) <= 36 else None
    if g is None or (principal.is_unit and g.unit_id != principal.unit_id):
        raise GrantNotFound(f"找不到授权 {grant_id}")
    return g


@router.get("/{grant_id}", response_model=GrantRead, responses=problem_responses(NotFound))
async def get_grant(
    grant_id: GrantId, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> GrantRead:
    """查看授权"""
    g = await _load(session, principal, grant_id)
    set_etag(response, g.version)
    return _read(g)


@router.delete(
    "/{grant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(NotFound, Forbidden, PreconditionFailed, PreconditionRequired),
)
async def delete_grant(
    grant_id: GrantId, session: SessionDep, principal: StaffWriter, if_match: IfMatch = None
) -> None:
    """撤销授权（需 If-Match）"""
    g = await _load(session, principal, grant_id)
    ind = await session.get(Indicator, g.indicator_id)
    assert ind is not None
    require_region(principal, ind.region_code)
    check_version(if_match, g.version)
    await session.delete(g)
    await guarded_flush(session.flush)
