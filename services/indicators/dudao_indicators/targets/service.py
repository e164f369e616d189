"""Rules for targets: shape by kind, agreement with the indicator's direction, resolution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.clock import utcnow
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.pagination import paginate
from dudao_shared.versioning import flush_versioned, require_version

from ..assessments import service as assessments_service
from ..assessments.service import to_spec
from ..engine import Point, comparator_contradiction, target_value
from ..models import Indicator, Target
from .schemas import TargetCreate, TargetUpdate


class TargetNotFound(NotFound):
    code, title = "target_not_found", "目标不存在"


class TargetScopeTaken(Conflict):
    code, title = "target_scope_taken", "该范围已有目标"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


def validate_shape(t: Target, indicator: Indicator, prefix: str = "") -> None:
    """A target's fields must fit its kind, and its comparator the indicator's direction."""
    if t.kind == "absolute":
        if t.comparator is None:
            raise _invalid(prefix + "comparator", "绝对值目标需要比较符")
        if t.value is None:
            raise _invalid(prefix + "value", "绝对值目标需要目标值")
    if t.kind in {"relative", "annual_change"} and t.value is None:
        raise _invalid(prefix + "value", "相对目标或每年变化目标需要变化量")
    if t.comparator == "between":
        if t.value_max is None:
            raise _invalid(prefix + "value_max", "区间目标需要上限")
        if t.value is not None and t.value_max < t.value:
            raise _invalid(prefix + "value_max", "区间上限不能小于下限")
    elif t.value_max is not None:
        raise _invalid(prefix + "value_max", "只有区间目标（between）有上限")
    if t.kind == "qualitative" and t.value is not None:
        raise _invalid(prefix + "value", "文字目标没有目标值")
    contradiction = comparator_contradiction(t.comparator, indicator.direction)
    if contradiction is not None:
        raise _invalid(prefix + "comparator", contradiction)
    if (
        t.baseline_year is not None
        and t.target_year is not None
        and t.target_year <= t.baseline_year
    ):
        raise _invalid(prefix + "target_year", "目标年份须晚于基期年份")
    years = [int(m["year"]) for m in t.milestones]
    if len(set(years)) != len(years):
        raise _invalid(prefix + "milestones", "分年度目标的年份重复")
    for y in years:
        if (t.baseline_year is not None and y <= t.baseline_year) or (
            t.target_year is not None and y > t.target_year
        ):
            raise _invalid(prefix + "milestones", f"分年度目标 {y} 年不在基期与目标年份之间")


def resolve(t: Target) -> None:
    baseline = (
        Point(float(t.baseline_year), t.baseline_value)
        if t.baseline_year is not None and t.baseline_value is not None
        else None
    )
    t.resolved_value = target_value(to_spec(t), baseline)


def _milestones_json(items: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for m in sorted(items, key=lambda m: m.year):
        out.append(
            {"year": m.year, "value": str(m.value), "comparator": m.comparator, "text": m.text}
        )
    return out


def scope_of(region_code: str | None, level: str | None) -> str:
    if region_code:
        return f"region:{region_code}"
    if level:
        return f"level:{level}"
    return "all"


async def _scope_free(session: AsyncSession, *, indicator_id: str, scope: str) -> None:
    existing = await session.scalar(
        select(Target.id).where(Target.indicator_id == indicator_id, Target.scope == scope)
    )
    if existing:
        raise TargetScopeTaken(f"该指标在范围 {scope} 已有目标，请修改原目标")


def build(*, indicator: Indicator, data: TargetCreate | Any, prefix: str = "") -> Target:
    if data.region_code and data.level:
        raise _invalid(prefix + "level", "region_code 与 level 只能给出一个")
    t = Target(
        indicator_id=indicator.id,
        plan_id=indicator.plan_id,
        scope=scope_of(data.region_code, data.level),
        region_code=data.region_code,
        level=data.level,
        baseline_year=data.baseline_year,
        baseline_value=data.baseline_value,
        target_year=data.target_year,
        kind=data.kind,
        comparator=data.comparator,
        value=data.value,
        value_max=data.value_max,
        rule_unit=data.rule_unit,
        tolerance=data.tolerance,
        implied=data.implied,
        text=data.text,
        milestones=_milestones_json(data.milestones),
    )
    validate_shape(t, indicator, prefix)
    resolve(t)
    return t


async def create(session: AsyncSession, *, indicator: Indicator, data: TargetCreate) -> Target:
    t = build(indicator=indicator, data=data)
    await _scope_free(session, indicator_id=indicator.id, scope=t.scope)
    session.add(t)
    await session.flush()
    await assessments_service.recompute_indicator(session, indicator=indicator)
    return t


async def update(
    session: AsyncSession,
    *,
    target: Target,
    indicator: Indicator,
    data: TargetUpdate,
    expected: int,
) -> Target:
    require_version(target.version, expected)
    changes = data.model_dump(exclude_unset=True)
    if "kind" in changes and changes["kind"] is None:
        raise _invalid("kind", "不能为空")
    if "milestones" in changes:
        changes["milestones"] = _milestones_json(data.milestones or [])
    for key, value in changes.items():
        setattr(target, key, value)
    validate_shape(target, indicator)
    resolve(target)
    target.updated_at = utcnow()
    await flush_versioned(session)
    await assessments_service.recompute_indicator(session, indicator=indicator)
    return target


async def delete(
    session: AsyncSession, *, target: Target, indicator: Indicator, expected: int
) -> None:
    require_version(target.version, expected)
    await session.delete(target)
    await flush_versioned(session)
    await assessments_service.recompute_indicator(session, indicator=indicator)


async def list_(
    session: AsyncSession, *, indicator_id: str, limit: int, cursor: str | None
) -> tuple[list[Target], str | None]:
    """An indicator's targets by scope (``all``, ``level:…``, ``region:…``)."""
    q = select(Target).where(Target.indicator_id == indicator_id)
    order_by = [col(Target.scope).asc(), col(Target.id).asc()]
    return await paginate(session, q, limit=limit, cursor=cursor, order_by=order_by)
