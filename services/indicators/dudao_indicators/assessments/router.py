from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, NotFound, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.regions import RegionQuery

from . import service
from .dependencies import AssessmentPairs, ReadableAssessment, ToRecompute, WithinInReach
from .schemas import AssessmentRead, RecomputeResult

router = APIRouter(prefix="/api/v1/assessments", tags=["assessments"])


@router.get("", response_model=Page[AssessmentRead])
async def list_assessments(
    session: SessionDep,
    pairs: AssessmentPairs,
    within_region: WithinInReach,
    plan_id: Annotated[str | None, Query(max_length=64)] = None,
    indicator_id: Annotated[str | None, Query(max_length=36)] = None,
    region_code: RegionQuery = None,
    status: Annotated[str | None, Query(max_length=24, description="按状态筛选")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AssessmentRead]:
    """评估结果列表（含计算要素与理由）"""
    rows, nxt = await service.list_(
        session,
        plan_id=plan_id,
        indicator_id=indicator_id,
        region_code=region_code,
        within_region=within_region,
        status=status,
        pairs=pairs,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[AssessmentRead.of(a) for a in rows], next_cursor=nxt)


@router.get(
    "/{assessment_id}", response_model=AssessmentRead, responses=problem_responses(NotFound)
)
async def get_assessment(a: ReadableAssessment) -> AssessmentRead:
    """查看一项评估：状态及其计算要素和理由"""
    return AssessmentRead.of(a)


@router.post(
    "/recompute",
    response_model=RecomputeResult,
    responses=problem_responses(NotFound, Forbidden, ValidationFailed),
)
async def recompute(inds: ToRecompute, session: SessionDep) -> RecomputeResult:
    """重新计算评估（某规划或某指标）"""
    n = 0
    for ind in inds:
        n += await service.recompute_indicator(session, indicator=ind)
    return RecomputeResult(recomputed=n)
