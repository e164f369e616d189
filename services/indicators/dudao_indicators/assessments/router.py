from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import and_, or_, select

from dudao_shared.api import Page, decode_cursor, encode_cursor
from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, NotFound, ValidationFailed, problem_responses

from ..access import require_region, unit_grant_pairs
from ..indicators.dependencies import writable_indicator
from ..models import Assessment, Indicator
from ..regions import RegionQuery, prefix_of
from . import service
from .engine import STATUSES
from .schemas import AssessmentRead, RecomputeIn, RecomputeResult

router = APIRouter(prefix="/api/v1/assessments", tags=["assessments"])


class AssessmentNotFound(NotFound):
    code, title = "assessment_not_found", "评估结果不存在"


@router.get("", response_model=Page[AssessmentRead])
async def list_assessments(
    session: SessionDep,
    principal: CurrentPrincipal,
    plan_id: Annotated[str | None, Query(max_length=64)] = None,
    indicator_id: Annotated[str | None, Query(max_length=36)] = None,
    region_code: RegionQuery = None,
    within_region: RegionQuery = None,
    status: Annotated[str | None, Query(max_length=24, description="按状态筛选")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[AssessmentRead]:
    """评估结果列表（含计算要素与理由）"""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(
            "状态无效", errors=[{"field": "status", "message": "取值不在允许范围内"}]
        )
    q = select(Assessment)
    if plan_id is not None:
        q = q.where(Assessment.plan_id == plan_id)
    if indicator_id is not None:
        q = q.where(Assessment.indicator_id == indicator_id)
    if region_code is not None:
        q = q.where(Assessment.region_code == region_code)
    if within_region is not None:
        q = q.where(Assessment.region_code.startswith(prefix_of(within_region)))  # type: ignore[attr-defined]
    if status is not None:
        q = q.where(Assessment.status == status)
    if principal.is_unit:
        pairs = await unit_grant_pairs(session, principal.unit_id or "")
        if not pairs:
            return Page(items=[], next_cursor=None)
        q = q.where(
            or_(
                *(and_(Assessment.indicator_id == i, Assessment.region_code == r) for i, r in pairs)
            )
        )
    after = decode_cursor(cursor)
    if after is not None:
        q = q.where(Assessment.id > str(after.get("id", "")))
    rows = list((await session.scalars(q.order_by(Assessment.id).limit(limit + 1))).all())
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = encode_cursor({"id": rows[-1].id})
    return Page(items=[AssessmentRead.of(a) for a in rows], next_cursor=nxt)


@router.get(
    "/{assessment_id}", response_model=AssessmentRead, responses=problem_responses(NotFound)
)
async def get_assessment(
    assessment_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> AssessmentRead:
    """查看一项评估：状态及其计算要素和理由"""
    a = await session.get(Assessment, assessment_id) if len(assessment_id) <= 36 else None
    if a is None or (
        principal.is_unit
        and (a.indicator_id, a.region_code)
        not in await unit_grant_pairs(session, principal.unit_id or "")
    ):
        raise AssessmentNotFound(f"找不到评估 {assessment_id}")
    return AssessmentRead.of(a)


@router.post(
    "/recompute",
    response_model=RecomputeResult,
    responses=problem_responses(NotFound, Forbidden, ValidationFailed),
)
async def recompute(
    data: RecomputeIn, session: SessionDep, principal: StaffWriter
) -> RecomputeResult:
    """重新计算评估（某规划或某指标）"""
    if data.indicator_id is not None:
        ind = await writable_indicator(data.indicator_id, session, principal)
        return RecomputeResult(recomputed=await service.recompute_indicator(session, indicator=ind))
    if data.plan_id is None:
        raise ValidationFailed(
            "请给出 plan_id 或 indicator_id",
            errors=[{"field": "plan_id", "message": "plan_id 与 indicator_id 至少给出一个"}],
        )
    inds = (await session.scalars(select(Indicator).where(Indicator.plan_id == data.plan_id))).all()
    if not inds:
        raise NotFound("该规划没有指标", code="plan_not_found", title="规划不存在")
    n = 0
    for ind in inds:
        require_region(principal, ind.region_code)
        n += await service.recompute_indicator(session, indicator=ind)
    return RecomputeResult(recomputed=n)
