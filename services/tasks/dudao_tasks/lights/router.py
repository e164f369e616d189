"""Lights (亮灯) of a plan's tasks, of a whole plan and of a unit."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query

from dudao_shared.auth import Staff
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from ..plans.dependencies import ReadablePlan
from ..plans.service import PlanNotFound
from ..units.dependencies import ReadableUnit
from ..units.service import UnitNotFound
from . import service
from .dependencies import ScopedUnit
from .schemas import PlanLights, TaskLight, UnitLight, UnitLights

router = APIRouter(tags=["lights"])


@router.get(
    "/api/v1/plans/{plan_id}/tasks",
    response_model=Page[TaskLight],
    responses=problem_responses(PlanNotFound, ValidationFailed),
)
async def list_plan_tasks(
    plan: ReadablePlan,
    unit: ScopedUnit,
    session: SessionDep,
    today: Today,
    status_: str | None = Query(None, alias="status", max_length=20),
    light: Literal["green", "yellow", "red"] | None = Query(None),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TaskLight]:
    """规划的任务及亮灯（单位令牌只看到本单位的任务）"""
    items, nxt = await service.list_plan_tasks(
        session,
        plan=plan,
        today=today,
        unit_id=unit,
        status=status_,
        light=light,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.get(
    "/api/v1/plans/{plan_id}/lights",
    response_model=PlanLights,
    responses=problem_responses(PlanNotFound, Forbidden),
)
async def plan_lights(
    _: Staff, plan: ReadablePlan, session: SessionDep, today: Today
) -> PlanLights:
    """规划亮灯汇总：整体（最差灯色）、各灯色的任务数与责任单位数"""
    return await service.plan_lights(session, plan=plan, today=today)


@router.get(
    "/api/v1/plans/{plan_id}/lights/units",
    response_model=Page[UnitLight],
    responses=problem_responses(PlanNotFound, Forbidden, ValidationFailed),
)
async def plan_units(
    _: Staff,
    plan: ReadablePlan,
    session: SessionDep,
    today: Today,
    light: Literal["green", "yellow", "red"] | None = Query(None, description="只看该灯色的单位"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UnitLight]:
    """规划的责任单位及亮灯（分页）：红灯在前，其次黄灯、绿灯，同色按单位名称"""
    items, nxt = await service.plan_units(
        session, plan=plan, today=today, light=light, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=nxt)


@router.get(
    "/api/v1/units/{unit_id}/lights",
    response_model=UnitLights,
    responses=problem_responses(UnitNotFound),
)
async def unit_lights(
    unit: ReadableUnit,
    session: SessionDep,
    today: Today,
    plan_id: uuid.UUID | None = Query(None, description="只看该规划"),
) -> UnitLights:
    """单位亮灯汇总（单位令牌只能看本单位）"""
    return await service.unit_lights(session, unit=unit, plan_id=plan_id, today=today)
