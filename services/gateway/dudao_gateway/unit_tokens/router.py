"""单位令牌 (admins and planners, within their region)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, NotFound, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from ..dependencies import AuditContextDep, RevocationsDep, SettingsDep
from . import service
from .dependencies import IssuableUnit, TokenIssuer, VisibleUnitToken
from .schemas import UnitTokenCreate, UnitTokenIssued, UnitTokenRead

router = APIRouter(tags=["unit tokens"])


@router.post(
    "/api/v1/unit_tokens",
    response_model=UnitTokenIssued,
    status_code=201,
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def issue_unit_token(
    body: UnitTokenCreate,
    unit: IssuableUnit,
    principal: TokenIssuer,
    session: SessionDep,
    settings: SettingsDep,
    ctx: AuditContextDep,
) -> UnitTokenIssued:
    """为一个责任单位发放单位令牌（明文只显示一次；规划处室限本辖区单位）"""
    row, raw = await service.issue(
        session, data=body, unit=unit, principal=principal, settings=settings, ctx=ctx
    )
    return UnitTokenIssued(**UnitTokenRead.model_validate(row).model_dump(), token=raw)


@router.get(
    "/api/v1/unit_tokens",
    response_model=Page[UnitTokenRead],
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def list_unit_tokens(
    principal: TokenIssuer,
    session: SessionDep,
    unit_id: Annotated[str | None, Query(max_length=36, description="只看此单位的令牌")] = None,
    include_revoked: Annotated[bool, Query(description="包含已撤销的令牌")] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UnitTokenRead]:
    """单位令牌列表（不含明文；新发放的在前）"""
    rows, next_cursor = await service.list_visible(
        session,
        principal=principal,
        unit_id=unit_id,
        include_revoked=include_revoked,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[UnitTokenRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.delete(
    "/api/v1/unit_tokens/{token_id}",
    response_model=UnitTokenRead,
    responses=problem_responses(Forbidden, NotFound),
)
async def revoke_unit_token(
    token: VisibleUnitToken,
    principal: TokenIssuer,
    session: SessionDep,
    revocations: RevocationsDep,
    settings: SettingsDep,
    ctx: AuditContextDep,
) -> UnitTokenRead:
    """撤销单位令牌：由它换取的访问令牌同时失效"""
    row = await service.revoke(
        session, row=token, principal=principal, revocations=revocations, settings=settings, ctx=ctx
    )
    return UnitTokenRead.model_validate(row)
