"""The public feed's indicators (``/public/v1``, no token; the gateway caches and limits)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dudao_shared.db import SessionDep
from dudao_shared.errors import ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit
from dudao_shared.public import NOT_MODIFIED, public_json

from . import service
from .dependencies import DisclosedPlanId
from .schemas import PublicIndicatorPage
from .service import PublicPlanNotFound

router = APIRouter(prefix="/public/v1/plans", tags=["public-v1"])


@router.get(
    "/{plan_id}/indicators",
    response_model=PublicIndicatorPage,
    responses={**NOT_MODIFIED, **problem_responses(PublicPlanNotFound, ValidationFailed)},
)
async def list_public_indicators(
    plan_id: DisclosedPlanId,
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """已公开规划的指标：基期、目标、最新审核通过值与评估状态及理由"""
    page = await service.public_indicators(session, plan_id=plan_id, limit=limit, cursor=cursor)
    return public_json(request, page)
