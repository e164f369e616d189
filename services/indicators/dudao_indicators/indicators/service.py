"""Rules for indicators. Keyword-only functions on the request's session; flush, never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.clock import utcnow
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.versioning import flush_versioned, require_version

from ..assessments import service as assessments_service
from ..engine import comparator_contradiction
from ..models import Indicator, Measurement, Target
from .schemas import IndicatorCreate, IndicatorUpdate


class IndicatorNotFound(NotFound):
    code, title = "indicator_not_found", "指标不存在"


class IndicatorCodeTaken(Conflict):
    code, title = "indicator_code_taken", "指标编号已存在"


class IndicatorInUse(Conflict):
    code, title = "indicator_in_use", "指标已有监测值或下级指标"


def _check_thresholds(ind: Indicator) -> None:
    if not (ind.threshold_regress <= ind.threshold_moderate <= ind.threshold_on_track):
        raise ValidationFailed(
            "阈值须满足 倒退 ≤ 稍滞后 ≤ 正常",
            errors=[{"field": "threshold_moderate", "message": "阈值顺序不正确"}],
        )


async def get(session: AsyncSession, *, indicator_id: str) -> Indicator:
    ind = await session.get(Indicator, indicator_id)
    if ind is None:
        raise IndicatorNotFound(f"找不到指标 {indicator_id}")
    return ind


async def _check_parent(
    session: AsyncSession, *, plan_id: str, parent_id: str | None, self_id: str | None = None
) -> None:
    if parent_id is None:
        return
    parent = await session.get(Indicator, parent_id)
    if parent is None or parent.plan_id != plan_id or parent_id == self_id:
        raise ValidationFailed(
            "上级指标不存在或不属于同一规划",
            errors=[{"field": "parent_id", "message": "须为同一规划中的另一指标"}],
        )


async def _code_free(session: AsyncSession, *, plan_id: str, code: str) -> None:
    taken = await session.scalar(
        select(func.count())
        .select_from(Indicator)
        .where(Indicator.plan_id == plan_id, Indicator.code == code)
    )
    if taken:
        raise IndicatorCodeTaken(f"规划中已有编号为 {code} 的指标")


async def create(
    session: AsyncSession, *, data: IndicatorCreate, direction_source: str = "explicit"
) -> Indicator:
    await _code_free(session, plan_id=data.plan_id, code=data.code)
    await _check_parent(session, plan_id=data.plan_id, parent_id=data.parent_id)
    ind = Indicator(**data.model_dump(), direction_source=direction_source)
    _check_thresholds(ind)
    session.add(ind)
    await session.flush()
    return ind


async def update(
    session: AsyncSession, *, indicator: Indicator, data: IndicatorUpdate, expected: int
) -> Indicator:
    require_version(indicator.version, expected)
    changes = data.model_dump(exclude_unset=True)
    for required in (
        "name",
        "direction",
        "nature",
        "position",
        "aggregation",
        "allow_out_of_range",
        "threshold_on_track",
        "threshold_moderate",
        "threshold_regress",
    ):
        if required in changes and changes[required] is None:
            raise ValidationFailed(
                f"{required} 不能为空", errors=[{"field": required, "message": "不能为空"}]
            )
    if "code" in changes and changes["code"] != indicator.code:
        await _code_free(session, plan_id=indicator.plan_id, code=changes["code"])
    if "parent_id" in changes:
        await _check_parent(
            session, plan_id=indicator.plan_id, parent_id=changes["parent_id"], self_id=indicator.id
        )
    for key, value in changes.items():
        setattr(indicator, key, value)
    if "direction" in changes:
        indicator.direction_source = "explicit"
        comparators = await session.scalars(
            select(Target.comparator).where(Target.indicator_id == indicator.id)
        )
        if any(comparator_contradiction(c, indicator.direction) for c in comparators.all()):
            raise ValidationFailed(
                "新的方向与该指标已有目标的比较符矛盾，请先修改目标",
                errors=[{"field": "direction", "message": "与已有目标的比较符矛盾"}],
            )
    _check_thresholds(indicator)
    indicator.updated_at = utcnow()
    await flush_versioned(session)
    await assessments_service.recompute_indicator(session, indicator=indicator)
    return indicator


async def delete(session: AsyncSession, *, indicator: Indicator, expected: int) -> None:
    require_version(indicator.version, expected)
    used = await session.scalar(
        select(func.count())
        .select_from(Measurement)
        .where(Measurement.indicator_id == indicator.id)
    )
    children = await session.scalar(
        select(func.count()).select_from(Indicator).where(Indicator.parent_id == indicator.id)
    )
    if used or children:
        raise IndicatorInUse("指标已有监测值或“其中”子指标，不能删除")
    await session.delete(indicator)
    await flush_versioned(session)


ORDERS: dict[str, Any] = {
    "position": col(Indicator.position),
    "code": col(Indicator.code),
    "name": col(Indicator.name),
    "created_at": col(Indicator.created_at),
}


async def list_(
    session: AsyncSession,
    *,
    plan_id: str | None,
    domain: str | None,
    region_code: str | None,
    only_ids: set[str] | None,
    reach: ColumnElement[bool],
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Indicator], str | None]:
    """One page in the chosen order; ``only_ids`` narrows to what a unit may see."""
    order_by = sort_order(order, ORDERS, default="position", id_column=col(Indicator.id))
    q = select(Indicator).where(reach)
    if plan_id is not None:
        q = q.where(Indicator.plan_id == plan_id)
    if domain is not None:
        q = q.where(Indicator.domain == domain)
    if region_code is not None:
        q = q.where(Indicator.region_code == region_code)
    if only_ids is not None:
        q = q.where(col(Indicator.id).in_(only_ids))
    return await paginate(session, q, limit=limit, cursor=cursor, order_by=order_by)
