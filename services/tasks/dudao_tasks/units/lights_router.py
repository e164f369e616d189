"""A unit's lights over its assignments (in one plan or all)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from dudao_shared.db import SessionDep
from dudao_shared.errors import problem_responses

from ..assignments import service as assignments_service
from ..assignments.models import Assignment
from ..common.time import Today
from ..lights.rules import counts, worst
from .dependencies import ReadableUnit
from .service import UnitNotFound

router = APIRouter(prefix="/api/v1/units", tags=["units"])


class UnitLights(BaseModel):
    unit_id: uuid.UUID
    light: str = Field(description="各任务分工中最差的灯色")
    counts: dict[str, int] = Field(description="各灯色的任务分工数")
    overdue: int = Field(description="逾期数")
    due_soon: int = Field(description="临期数")


@router.get(
    "/{unit_id}/lights", response_model=UnitLights, responses=problem_responses(UnitNotFound)
)
async def unit_lights(
    unit: ReadableUnit,
    session: SessionDep,
    today: Today,
    plan_id: uuid.UUID | None = Query(None, description="只看该规划"),
) -> UnitLights:
    """单位亮灯汇总（单位令牌只能看本单位）"""
    stmt = select(Assignment).where(Assignment.unit_id == unit.id)
    if plan_id:
        stmt = stmt.where(Assignment.plan_id == plan_id)
    rows = (await session.execute(stmt)).scalars().all()
    reads = await assignments_service.to_reads(session, rows, today)
    lights = [r.light for r in reads]
    return UnitLights(unit_id=unit.id, light=worst(lights), counts=counts(lights),
                      overdue=sum(r.overdue for r in reads), due_soon=sum(r.due_soon for r in reads))
