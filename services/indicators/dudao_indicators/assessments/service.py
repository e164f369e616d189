"""Compute, store and read assessments. Recomputed synchronously whenever a measurement,
target or indicator that feeds one changes, inside the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, true
from sqlalchemy.dialects.postgresql import array as sa_array
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.clock import utcnow
from dudao_shared.errors import ValidationFailed
from dudao_shared.pagination import paginate
from dudao_shared.regions import level_of, region_prefix

from ..common import granted_pairs
from ..engine import (
    STATUSES,
    AssessmentInput,
    AssessmentResult,
    Point,
    TargetSpec,
    Thresholds,
    assess,
)
from ..models import Assessment, Indicator, Measurement, Target
from ..models.base import new_id, table_of
from ..periods import parse_period

# Drafts are the reporter's own business until submitted; approval does not change the value.
COUNTED_STATUSES = ("submitted", "approved")


async def targets_of(session: AsyncSession, *, indicator_id: str) -> list[Target]:
    rows = await session.scalars(select(Target).where(Target.indicator_id == indicator_id))
    return list(rows.all())


def to_spec(t: Target) -> TargetSpec:
    return TargetSpec(
        kind=t.kind,  # type: ignore[arg-type]
        comparator=t.comparator,  # type: ignore[arg-type]
        value=t.value,
        value_max=t.value_max,
        rule_unit=t.rule_unit,
        target_year=t.target_year,
        tolerance=t.tolerance,
        milestones={int(m["year"]): Decimal(str(m["value"])) for m in t.milestones},
        resolved_value=t.resolved_value,
    )


def pick(targets: Sequence[Target], region_code: str) -> Target | None:
    """The most specific target for a region: its own, then its level's, then the plan's."""
    by_scope = {t.scope: t for t in targets}
    return (
        by_scope.get(f"region:{region_code}")
        or by_scope.get(f"level:{level_of(region_code)}")
        or by_scope.get("all")
    )


def thresholds_of(ind: Indicator) -> Thresholds:
    return Thresholds(
        on_track=Decimal(ind.threshold_on_track),
        moderate=Decimal(ind.threshold_moderate),
        regress=Decimal(ind.threshold_regress),
    )


async def _latest(session: AsyncSession, indicator_id: str, region_code: str) -> Point | None:
    row = (
        await session.execute(
            select(col(Measurement.period), col(Measurement.value))
            .where(
                Measurement.indicator_id == indicator_id,
                Measurement.region_code == region_code,
                col(Measurement.status).in_(COUNTED_STATUSES),
            )
            .order_by(col(Measurement.period_end).desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return Point(parse_period(row.period).time, Decimal(row.value), row.period)


def choose_baseline(
    *,
    indicator: Indicator,
    target: Target | None,
    region_code: str,
    base_year_value: tuple[str, Decimal] | None,
    first: Point | None,
) -> tuple[Point | None, str | None]:
    """The baseline of a region and where it came from.

    The target's own baseline counts for the regions it was set for (its region, the regions
    of its level, or the plan's region when it applies to all); elsewhere the region's measured value of the base year, else
    its first measured value (Open SDG: "the next available year is used").
    """
    if (
        target is not None
        and target.baseline_year is not None
        and target.baseline_value is not None
    ):
        # A region's or a level's target carries the baseline of the regions it was set for.
        own = target.scope in (f"region:{region_code}", f"level:{level_of(region_code)}") or (
            target.scope == "all" and region_code == indicator.region_code
        )
        if own:
            return Point(
                float(target.baseline_year),
                Decimal(target.baseline_value),
                str(target.baseline_year),
            ), "target"
    if target is not None and target.baseline_year is not None and base_year_value is not None:
        return Point(
            float(target.baseline_year), Decimal(base_year_value[1]), base_year_value[0]
        ), "measured_base_year"
    if first is None:
        return None, None
    return first, "first_measurement"


def _counted(indicator_id: str) -> ColumnElement[bool]:
    return (col(Measurement.indicator_id) == indicator_id) & col(Measurement.status).in_(
        COUNTED_STATUSES
    )


async def baseline_for(
    session: AsyncSession, *, indicator: Indicator, target: Target | None, region_code: str
) -> tuple[Point | None, str | None]:
    base_year_value = None
    if target is not None and target.baseline_year is not None:
        row = (
            await session.execute(
                select(col(Measurement.period), col(Measurement.value)).where(
                    _counted(indicator.id),
                    Measurement.region_code == region_code,
                    Measurement.period == str(target.baseline_year),
                )
            )
        ).first()
        base_year_value = (row.period, Decimal(row.value)) if row is not None else None
    row = (
        await session.execute(
            select(col(Measurement.period), col(Measurement.value))
            .where(_counted(indicator.id), Measurement.region_code == region_code)
            .order_by(col(Measurement.period_end))
            .limit(1)
        )
    ).first()
    first = Point(parse_period(row.period).time, Decimal(row.value), row.period) if row else None
    return choose_baseline(
        indicator=indicator,
        target=target,
        region_code=region_code,
        base_year_value=base_year_value,
        first=first,
    )


async def evaluate(
    session: AsyncSession,
    *,
    indicator: Indicator,
    region_code: str,
    targets: Sequence[Target] | None = None,
    latest: Point | None = None,
    preloaded: tuple[Point | None, Point | None, str | None] | None = None,
) -> tuple[AssessmentResult, Target | None]:
    """Assess without storing; ``latest`` replaces the stored latest value (a value being
    submitted is judged on its own); ``preloaded`` = (latest, baseline, its source) when the
    caller fetched them in bulk."""
    if targets is None:
        targets = await targets_of(session, indicator_id=indicator.id)
    target = pick(targets, region_code)
    if preloaded is not None:
        latest, baseline, source = preloaded
    else:
        if latest is None:
            latest = await _latest(session, indicator.id, region_code)
        baseline, source = await baseline_for(
            session, indicator=indicator, target=target, region_code=region_code
        )
    inp = AssessmentInput(
        direction=indicator.direction,  # type: ignore[arg-type]
        nature=indicator.nature,
        target=to_spec(target) if target is not None else None,
        baseline=baseline,
        latest=latest,
        thresholds=thresholds_of(indicator),
        limit=indicator.limit_value,
        baseline_source=source or "target",
    )
    result = assess(inp)
    result.components["target_id"] = target.id if target is not None else None
    result.components["target_scope"] = target.scope if target is not None else None
    return result, target


def _dec(v: Any) -> Decimal | None:
    return Decimal(str(v)) if v is not None else None


def _row_values(
    indicator: Indicator, region_code: str, result: AssessmentResult, target: Target | None
) -> dict[str, Any]:
    c = result.components
    return {
        "id": new_id(),
        "indicator_id": indicator.id,
        "plan_id": indicator.plan_id,
        "region_code": region_code,
        "status": result.status,
        "score": result.score,
        "method": result.method,
        "ratio": result.ratio,
        "baseline_year": c.get("baseline_year"),
        "baseline_value": _dec(c.get("baseline_value")),
        "latest_period": c.get("latest_period"),
        "latest_value": _dec(c.get("latest_value")),
        "target_year": c.get("target_year")
        if c.get("target_year") is not None
        else (target.target_year if target else None),
        "target_value": _dec(c.get("target_value"))
        if c.get("target_value") is not None
        else (target.resolved_value if target else None),
        "target_id": target.id if target else None,
        "components": c,
        "computed_at": utcnow(),
    }


async def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    ins = pg_insert(Assessment)
    keep = {"id", "indicator_id", "region_code"}
    # An upsert: two measurements of one pair written at once must not collide on the row.
    for start in range(0, len(rows), 1000):
        stmt = ins.values(rows[start : start + 1000])
        stmt = stmt.on_conflict_do_update(
            index_elements=["indicator_id", "region_code"],
            set_={k: stmt.excluded[k] for k in rows[0] if k not in keep},
        )
        await session.execute(stmt)


async def _lock_pair(session: AsyncSession, *, indicator: Indicator, region_code: str) -> None:
    """Serialise recomputations of one (indicator, region).

    Two transactions writing measurements of the same pair would otherwise each compute from a
    snapshot without the other's value, and the later upsert would store a stale result. Taking
    the row lock first makes the second wait for the first to commit; its reads, issued after the
    lock, then see the first one's measurement (READ COMMITTED)."""
    await session.execute(
        pg_insert(Assessment)
        .values(
            id=new_id(),
            indicator_id=indicator.id,
            plan_id=indicator.plan_id,
            region_code=region_code,
            status="insufficient_data",
            method="none",
            components={},
            computed_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["indicator_id", "region_code"])
    )
    await session.execute(
        select(Assessment.id)
        .where(Assessment.indicator_id == indicator.id, Assessment.region_code == region_code)
        .with_for_update()
    )


async def recompute(
    session: AsyncSession,
    *,
    indicator: Indicator,
    region_code: str,
    targets: Sequence[Target] | None = None,
) -> tuple[Assessment, AssessmentResult]:
    await _lock_pair(session, indicator=indicator, region_code=region_code)
    result, target = await evaluate(
        session, indicator=indicator, region_code=region_code, targets=targets
    )
    await _upsert(session, [_row_values(indicator, region_code, result, target)])
    row = await session.scalar(
        select(Assessment)
        .where(Assessment.indicator_id == indicator.id, Assessment.region_code == region_code)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row, result


async def _edge_points(
    session: AsyncSession, indicator_id: str, regions: Sequence[str], newest: bool
) -> dict[str, Point]:
    """The newest (or oldest) counted value of each region: one LATERAL probe of
    ``ix_measurement_latest`` per region, all in one statement."""
    m = table_of(Measurement)
    order = m.c.period_end.desc() if newest else m.c.period_end.asc()
    r = select(func.unnest(sa_array(list(regions))).label("region_code")).subquery("r")
    edge = (
        select(m.c.period, m.c.value)
        .where(
            m.c.indicator_id == indicator_id,
            m.c.region_code == r.c.region_code,
            m.c.status.in_(COUNTED_STATUSES),
        )
        .order_by(order)
        .limit(1)
        .lateral("edge")
    )
    rows = await session.execute(
        select(r.c.region_code, edge.c.period, edge.c.value).select_from(r.join(edge, true()))
    )
    return {
        region: Point(parse_period(period).time, Decimal(value), period)
        for region, period, value in rows.all()
    }


async def recompute_indicator(session: AsyncSession, *, indicator: Indicator) -> int:
    """Every region of one indicator, with a handful of set queries instead of a few per region."""
    # Hold the indicator's assessment rows so a concurrent measurement write waits (see
    # _lock_pair) instead of being overwritten by a result computed without it.
    await session.execute(
        select(Assessment.id).where(Assessment.indicator_id == indicator.id).with_for_update()
    )
    regions = set(
        (
            await session.scalars(
                select(Measurement.region_code)
                .where(Measurement.indicator_id == indicator.id)
                .distinct()
            )
        ).all()
    )
    regions |= set(
        (
            await session.scalars(
                select(Assessment.region_code).where(Assessment.indicator_id == indicator.id)
            )
        ).all()
    )
    if not regions:
        return 0
    ordered = sorted(regions)
    targets = await targets_of(session, indicator_id=indicator.id)
    latest = await _edge_points(session, indicator.id, ordered, newest=True)
    first = await _edge_points(session, indicator.id, ordered, newest=False)
    base_years = {str(t.baseline_year) for t in targets if t.baseline_year is not None}
    base_values: dict[tuple[str, str], tuple[str, Decimal]] = {}
    if base_years:
        for region, period, value in (
            await session.execute(
                select(
                    col(Measurement.region_code), col(Measurement.period), col(Measurement.value)
                ).where(
                    _counted(indicator.id),
                    col(Measurement.period).in_(base_years),
                )
            )
        ).all():
            base_values[(region, period)] = (period, Decimal(value))
    rows = []
    for region in ordered:
        target = pick(targets, region)
        base_key = (region, str(target.baseline_year)) if target is not None else None
        baseline, source = choose_baseline(
            indicator=indicator,
            target=target,
            region_code=region,
            base_year_value=base_values.get(base_key) if base_key else None,
            first=first.get(region),
        )
        result, target = await evaluate(
            session,
            indicator=indicator,
            region_code=region,
            targets=targets,
            preloaded=(latest.get(region), baseline, source),
        )
        rows.append(_row_values(indicator, region, result, target))
    await _upsert(session, rows)
    return len(rows)


async def recompute_plan(session: AsyncSession, *, plan_id: str) -> int:
    indicators = (
        await session.scalars(select(Indicator).where(Indicator.plan_id == plan_id))
    ).all()
    n = 0
    for ind in indicators:
        n += await recompute_indicator(session, indicator=ind)
    return n


async def list_(
    session: AsyncSession,
    *,
    plan_id: str | None,
    indicator_id: str | None,
    region_code: str | None,
    within_region: str | None,
    status: str | None,
    pairs: set[tuple[str, str]] | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Assessment], str | None]:
    """Keyset-paged by id; ``pairs`` narrows to what a unit may see."""
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
        q = q.where(col(Assessment.region_code).startswith(region_prefix(within_region)))
    if status is not None:
        q = q.where(Assessment.status == status)
    if pairs is not None:
        if not pairs:
            return [], None
        q = q.where(granted_pairs(col(Assessment.indicator_id), col(Assessment.region_code), pairs))
    order_by = [col(Assessment.id).asc()]
    return await paginate(session, q, limit=limit, cursor=cursor, order_by=order_by)
