from __future__ import annotations

from fastapi import APIRouter

from dudao_shared.db import SessionDep
from dudao_shared.errors import NotFound, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from . import service
from .dependencies import AuditedIndicator
from .schemas import AuditEventRead

router = APIRouter(tags=["audit"])


@router.get(
    "/api/v1/indicators/{indicator_id}/audit_events",
    response_model=Page[AuditEventRead],
    responses=problem_responses(NotFound, ValidationFailed),
)
async def list_indicator_audit(
    ind: AuditedIndicator, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AuditEventRead]:
    """指标的变更记录（指标、目标、授权、监测值；谁、何时、变更前后）"""
    rows, nxt = await service.list_for_indicator(
        session, indicator_id=ind.id, limit=limit, cursor=cursor
    )
    return Page(items=[AuditEventRead.model_validate(e) for e in rows], next_cursor=nxt)
