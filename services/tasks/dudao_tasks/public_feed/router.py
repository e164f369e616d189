"""The public feed, version 1: no token; the gateway adds caching, rate limits and CORS."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit
from dudao_shared.public import NOT_MODIFIED, public_json

from . import service
from .dependencies import DisclosedBulletin, DisclosedPlan
from .schemas import (
    PublicBulletinDetail,
    PublicBulletinPage,
    PublicItemPage,
    PublicPlanDetail,
    PublicPlanPage,
)
from .service import PublicBulletinNotFound, PublicPlanNotFound

router = APIRouter(prefix="/public/v1/plans", tags=["public-v1"])


@router.get(
    "",
    response_model=PublicPlanPage,
    responses={**NOT_MODIFIED, **problem_responses(ValidationFailed)},
)
async def list_public_plans(
    request: Request, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """已公开的规划（公开数据，无需登录，新建的在前）"""
    items, nxt = await service.list_disclosed(session, limit=limit, cursor=cursor)
    return public_json(request, PublicPlanPage(items=items, next_cursor=nxt))


@router.get(
    "/{plan_id}",
    response_model=PublicPlanDetail,
    responses={**NOT_MODIFIED, **problem_responses(PublicPlanNotFound)},
)
async def get_public_plan(
    plan: DisclosedPlan, request: Request, session: SessionDep, today: Today
) -> Response:
    """已公开规划的基本信息与进展汇总（按任务状态、灯色与区划）"""
    return public_json(request, await service.plan_detail(session, plan=plan, today=today))


@router.get(
    "/{plan_id}/items",
    response_model=PublicItemPage,
    responses={**NOT_MODIFIED, **problem_responses(PublicPlanNotFound, ValidationFailed)},
)
async def list_public_items(
    plan: DisclosedPlan,
    request: Request,
    session: SessionDep,
    today: Today,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """已公开规划的结构：章节、任务与专栏项目（文档顺序），任务带状态与灯色"""
    items, nxt = await service.plan_items(
        session, plan=plan, today=today, limit=limit, cursor=cursor
    )
    return public_json(request, PublicItemPage(items=items, next_cursor=nxt))


@router.get(
    "/{plan_id}/bulletins",
    response_model=PublicBulletinPage,
    responses={**NOT_MODIFIED, **problem_responses(PublicPlanNotFound, ValidationFailed)},
)
async def list_public_bulletins(
    plan: DisclosedPlan,
    request: Request,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """已公开规划已印发的督办通报（新印发的在前）"""
    items, nxt = await service.list_bulletins(session, plan=plan, limit=limit, cursor=cursor)
    return public_json(request, PublicBulletinPage(items=items, next_cursor=nxt))


@router.get(
    "/{plan_id}/bulletins/{bulletin_id}",
    response_model=PublicBulletinDetail,
    responses={**NOT_MODIFIED, **problem_responses(PublicPlanNotFound, PublicBulletinNotFound)},
)
async def get_public_bulletin(bulletin: DisclosedBulletin, request: Request) -> Response:
    """已印发的督办通报：合计、各单位排名与红榜（印发时的数据，不重新计算）"""
    return public_json(request, service.bulletin_detail(bulletin))
