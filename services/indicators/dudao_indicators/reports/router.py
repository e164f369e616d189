from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from dudao_shared.auth import Staff
from dudao_shared.db import SessionDep
from dudao_shared.downloads import attachment
from dudao_shared.errors import Forbidden, NotFound, ValidationFailed, problem_responses
from dudao_shared.prepared import ReadConnection, driver

from ..periods import PERIOD_PATTERN
from ..plans import TasksClient, region_name
from . import service
from .dependencies import ReadablePlanId, RegionAsked, RollupScope, SeriesScope, TotalsIndicator
from .export import indicator_table_xlsx
from .schemas import LevelRollup, RegionTotal, Rollup, Scorecard, Series

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

scorecards = APIRouter(prefix="/api/v1/scorecards", tags=["scorecards"])
rollups = APIRouter(prefix="/api/v1/rollups", tags=["rollups"])
series_router = APIRouter(prefix="/api/v1/series", tags=["series"])
tables = APIRouter(prefix="/api/v1/indicator_tables", tags=["indicator_tables"])
# An indicator's roll-up from its child regions' plans (a read model: it lives with the reports).
level_rollups = APIRouter(prefix="/api/v1/indicators", tags=["rollups"])


@scorecards.get(
    "/{plan_id}", response_model=Scorecard, responses=problem_responses(NotFound, Forbidden)
)
async def get_scorecard(
    plan_id: ReadablePlanId, conn: ReadConnection, _: Staff, region_code: RegionAsked
) -> Scorecard:
    """规划指标记分卡：各指标最新值与评估状态（默认为规划所属区划）"""
    return await service.scorecard(conn, plan_id=plan_id, region_code=region_code)


@rollups.get(
    "/plans/{plan_id}", response_model=Rollup, responses=problem_responses(NotFound, Forbidden)
)
async def get_plan_rollup(
    plan_id: ReadablePlanId,
    session: SessionDep,
    _: Staff,
    region_code: RegionAsked,
    by: Annotated[
        Literal["domain", "region", "nature"],
        Query(description="分组：domain 领域，region 区划（含下级），nature 指标性质"),
    ] = "domain",
) -> Rollup:
    """规划汇总：按领域、区划或性质统计各状态个数与平均分"""
    return await service.rollup(session, plan_id=plan_id, region_code=region_code, by=by)


@rollups.get(
    "/regions/{indicator_id}",
    response_model=RegionTotal,
    responses=problem_responses(NotFound, Forbidden, ValidationFailed),
)
async def get_region_total(
    _: Staff,
    ind: TotalsIndicator,
    session: SessionDep,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="统计期")],
    region_code: RegionAsked,
) -> RegionTotal:
    """区划汇总：可加指标相加，率类指标分子分母分别相加后相除"""
    return await service.region_total(
        session, indicator=ind, region_code=region_code, period=period
    )


@series_router.get("", response_model=Series, responses=problem_responses(NotFound))
async def get_series(scope: SeriesScope, session: SessionDep) -> Series:
    """图表序列：监测值、目标、分年度目标与预期轨迹"""
    ind, region = scope
    return await service.series(session, indicator=ind, region_code=region)


@tables.get(
    "/{plan_id}.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "主要指标表（.xlsx）"},
        **problem_responses(NotFound, Forbidden),
    },
)
async def export_indicator_table(
    plan_id: ReadablePlanId,
    session: SessionDep,
    _: Staff,
    tasks: TasksClient,
    region_code: RegionAsked,
) -> Response:
    """导出规划主要指标表（含最新值与评估状态）"""
    card = await service.scorecard(await driver(session), plan_id=plan_id, region_code=region_code)
    body = indicator_table_xlsx(
        card, title=f"主要指标（{await region_name(tasks, card.region_code)}）"
    )
    return Response(
        body,
        media_type=XLSX,
        headers=attachment(
            f"主要指标-{card.plan_id}.xlsx", fallback=f"indicators-{card.plan_id}.xlsx"
        ),
    )


@level_rollups.get(
    "/{indicator_id}/rollup",
    response_model=LevelRollup,
    responses=problem_responses(NotFound, Forbidden),
)
async def get_level_rollup(
    scope: RollupScope,
    session: SessionDep,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="统计期")],
) -> LevelRollup:
    """逐级汇总：本规划指标在下级区划规划中的对应指标（同名同计量单位）该期的值，按规则汇总
    （数量相加；率按分母加权，缺分母时简单平均并标明）；列出已报送与未报送的下级区划，从不推算"""
    ind, children = scope
    return await service.level_rollup(session, indicator=ind, period=period, children=children)
