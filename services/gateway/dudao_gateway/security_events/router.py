"""The security audit (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from dudao_shared.audit_chain import ChainStatus
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from . import service
from .dependencies import EventReader
from .schemas import BreaksRecorded, SecurityEventRead

router = APIRouter(tags=["auth"])
# For the worker's periodic audit verification (service credential only, no user).
internal = APIRouter(prefix="/internal/v1/audit", tags=["internal"])


@router.get(
    "/api/v1/auth/events",
    response_model=Page[SecurityEventRead],
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def list_events(
    _: EventReader,
    session: SessionDep,
    action: Annotated[
        str | None, Query(max_length=40, description="动作或动作族，如 login、unit_token")
    ] = None,
    unit_id: Annotated[str | None, Query(max_length=36, description="只看此单位")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SecurityEventRead]:
    """安全审计：登录、令牌发放、使用与撤销记录（管理员，新的在前）"""
    rows, next_cursor = await service.list_events(
        session, action=action, unit_id=unit_id, limit=limit, cursor=cursor
    )
    return Page(items=[SecurityEventRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@internal.post(
    "/breaks",
    response_model=BreaksRecorded,
    responses=problem_responses(ValidationFailed),
    include_in_schema=False,
)
async def record_breaks(
    reports: Annotated[list[ChainStatus], Body(max_length=100)], session: SessionDep
) -> BreaksRecorded:
    """记录周期校验发现的审计链断裂（每处断裂记一次安全事件）"""
    return BreaksRecorded(recorded=await service.record_breaks(session, reports))
