"""Plans: list, create (with the whole tree), read and edit."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Response, status

from dudao_shared.auth import StaffWriter
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.regions import RegionQuery
from dudao_shared.versioning import IfMatchVersion, require_version, set_etag

from . import service
from .dependencies import NewPlan, PlanChanges, ReadablePlan, VisiblePlans, WritablePlan
from .schemas import PlanDetail, PlanRead
from .service import InvalidTransition, PlanNotFound

router = APIRouter(prefix="/api/v1/plans", tags=["plans"])


@router.get("", response_model=Page[PlanRead], responses=problem_responses(ValidationFailed))
async def list_plans(
    visible: VisiblePlans,
    session: SessionDep,
    status_: Literal["draft", "published", "archived"] | None = Query(None, alias="status"),
    region_code: RegionQuery = None,
    level: str | None = Query(None, max_length=20),
    parent_plan_id: uuid.UUID | None = Query(None, description="上位规划"),
    kind: Literal["plan", "annual", "delivered"] | None = Query(
        None, description="plan 规划、annual 年度重点工作任务、delivered 承接任务"
    ),
    q: str | None = Query(None, max_length=100, description="标题包含"),
    order: str | None = Query(
        None, max_length=30, description="created_at、updated_at、title，前加 - 倒序"
    ),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PlanRead]:
    """规划列表（单位令牌只看到有本单位任务的规划）"""
    rows, nxt = await service.list_plans(
        session,
        visible=visible,
        status=status_,
        region_code=region_code,
        level=level,
        parent_plan_id=parent_plan_id,
        kind=kind,
        q=q,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[PlanRead.model_validate(p) for p in rows], next_cursor=nxt)


@router.post(
    "",
    response_model=PlanDetail,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def create_plan(
    principal: StaffWriter, body: NewPlan, session: SessionDep, response: Response, today: Today
) -> PlanDetail:
    """新建规划（可一次带上条目、完成时限与任务分工）"""
    plan = await service.create_plan_tree(
        session,
        principal=principal,
        plan=body,
        items=body.items,
        assignments=body.assignments,
        today=today,
    )
    set_etag(response, plan.version)
    return PlanDetail.model_validate(plan)


@router.get("/{plan_id}", response_model=PlanDetail, responses=problem_responses(PlanNotFound))
async def get_plan(plan: ReadablePlan, response: Response) -> PlanDetail:
    """查看规划"""
    set_etag(response, plan.version)
    return PlanDetail.model_validate(plan)


@router.patch(
    "/{plan_id}",
    response_model=PlanDetail,
    responses=problem_responses(
        PlanNotFound,
        Forbidden,
        ValidationFailed,
        InvalidTransition,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def update_plan(
    principal: StaffWriter,
    plan: WritablePlan,
    body: PlanChanges,
    session: SessionDep,
    response: Response,
    today: Today,
    expected: IfMatchVersion,
) -> PlanDetail:
    """修改规划（含状态 draft → published → archived 与亮灯规则）"""
    require_version(plan.version, expected)
    plan = await service.update_plan(
        session, principal=principal, plan=plan, data=body, today=today
    )
    set_etag(response, plan.version)
    return PlanDetail.model_validate(plan)
