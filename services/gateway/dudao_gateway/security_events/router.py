"""The security audit (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, problem_responses

from . import service
from .dependencies import EventReader
from .schemas import SecurityEventRead

router = APIRouter(tags=["auth"])


@router.get(
    "/api/v1/auth/events",
    response_model=list[SecurityEventRead],
    responses=problem_responses(Forbidden),
)
async def list_events(
    _: EventReader,
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=40)] = None,
    unit_id: Annotated[str | None, Query(max_length=36)] = None,
    before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SecurityEventRead]:
    """安全审计：登录、令牌发放、使用与撤销记录（管理员）"""
    rows = await service.list_events(
        session, action=action, unit_id=unit_id, before=before, limit=limit
    )
    return [SecurityEventRead.model_validate(r) for r in rows]
