"""Read models over indicators and assessments: scorecards, roll-ups, region totals, series."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic_core import from_json
from sqlalchemy import RowMapping, and_, bindparam
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.decimals import printed
from dudao_shared.errors import NotFound, ValidationFailed
from dudao_shared.prepared import Prepared
from dudao_shared.regions import contains, level_of, region_prefix

from ..assessments import service as assessments_service
from ..assessments.schemas import AssessmentRead
from ..engine import STATUS_ZH, STATUSES, Point, milestones_for, target_value
from ..indicators.schemas import IndicatorRead
from ..models import Assessment, Indicator, Measurement, Target
from ..models.base import table_of
from ..periods import parse_period
from ..targets.schemas import TargetRead
from .schemas import (
    BaselineRead,
    ChildRegionValue,
    LevelRollup,
    RegionPart,
    RegionTotal,
    Rollup,
    RollupGroup,
    Scorecard,
    Series,
    SeriesPoint,
    StatusSummary,
    YearValue,
)

COMPARATOR_TEXT = {">=": "≥", "<=": "≤", "~": "约", "=": "=", ">": ">", "<": "<"}


class PlanNotFound(NotFound):
    code, title = "plan_not_found", "规划没有指标"


def summarize(items: Iterable[tuple[str, Decimal | None]]) -> StatusSummary:
    """§10.3: mean Open SDG score over assessed items, mapped back with the same bands;
    insufficient_data is counted but left out of the mean; achieved only if all achieved."""
    counts = {s: 0 for s in STATUSES}
    scores: list[Decimal] = []
    for status, score in items:
        counts[status] = counts.get(status, 0) + 1
        if status != "insufficient_data" and score is not None:
            scores.append(Decimal(score))
    total = sum(counts.values())
    assessed = total - counts["insufficient_data"]
    mean = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01")) if scores else None
    if mean is None:
        rolled = "insufficient_data"
    elif counts["achieved"] == assessed:
        rolled = "achieved"
    elif mean >= Decimal("2.5"):
        rolled = "on_track"
    elif mean >= 0:
        rolled = "moderately_off_track"
    elif mean >= Decimal("-2.5"):
        rolled = "off_track"
    else:
        rolled = "regressing"
    return StatusSummary(
        counts=counts, total=total, assessed=assessed, mean_score=mean, status=rolled
    )


def _target_text(t: RowMapping) -> str | None:
    """The target as printed, else composed from its comparator and value, with the digits as
    entered (``≥95``, never ``≥95.0000000000``) and a relative rule's unit (``0.5个百分点``)."""
    if t["text"]:
        return str(t["text"])
    if t["kind"] == "qualitative" or t["value"] is None:
        return None
    value = printed(Decimal(t["value"]))
    if t["comparator"] == "between" and t["value_max"] is not None:
        return f"{value}—{printed(Decimal(t['value_max']))}"
    unit = {"百分点": "个百分点", "%": "%"}.get(t["rule_unit"] or "", "")
    prefix = {"annual_change": "年均", "relative": "较基期"}.get(t["kind"], "")
    return f"{prefix}{COMPARATOR_TEXT.get(t['comparator'] or '', '')}{value}{unit}"


async def _plan_indicators(session: AsyncSession, plan_id: str) -> Sequence[Indicator]:
    inds = (
        await session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan_id)
            .order_by(
                col(Indicator.position),
                col(Indicator.code),
            )
        )
    ).all()
    if not inds:
        raise PlanNotFound(f"规划 {plan_id} 没有指标")
    return inds


def _scorecard_statement() -> Any:
    """The plan's indicators in table order, each with its most specific target for the region
    (``assessments.service.pick``: the region's own, then its level's, then ``all``) and its
    stored assessment there, which carries the latest value: one row per indicator.

    Picking the target here rather than fetching every candidate and choosing in Python keeps
    the statement free of an expanding ``IN`` parameter, whose SQL SQLAlchemy re-renders on
    every call, and every row fetched is a row returned."""
    i, t, a = table_of(Indicator), table_of(Target), table_of(Assessment)
    region_scope = bindparam("region_scope", type_=sa.String())
    level_scope = bindparam("level_scope", type_=sa.String())
    # The plan's targets, one per indicator — the most specific for the region — in one
    # pass (a DISTINCT ON over the plan's targets, not one sorted probe per indicator).
    target = (
        sa.select(
            t.c.indicator_id,
            t.c.scope,
            t.c.baseline_year,
            t.c.baseline_value,
            t.c.text,
            t.c.kind,
            t.c.comparator,
            t.c.value,
            t.c.value_max,
            t.c.rule_unit,
            t.c.target_year,
            t.c.resolved_value,
        )
        .where(
            t.c.plan_id == bindparam("plan_id"),
            sa.or_(t.c.scope == region_scope, t.c.scope == level_scope, t.c.scope == "all"),
        )
        .ext(distinct_on(t.c.indicator_id))
        .order_by(
            t.c.indicator_id,
            sa.case((t.c.scope == region_scope, 0), (t.c.scope == level_scope, 1), else_=2),
        )
        .subquery("best_target")
    )
    return (
        sa.select(
            i.c.id,
            i.c.code,
            i.c.seq,
            i.c.name,
            i.c.domain,
            i.c.measure_unit,
            i.c.nature,
            i.c.direction,
            i.c.parent_id,
            target.c.scope,
            target.c.baseline_year,
            target.c.baseline_value,
            target.c.text,
            target.c.kind,
            target.c.comparator,
            target.c.value,
            target.c.value_max,
            target.c.rule_unit,
            target.c.target_year,
            target.c.resolved_value,
            a.c.id.label("assessment_id"),
            a.c.status,
            a.c.score,
            a.c.method,
            a.c.ratio,
            a.c.latest_period,
            a.c.latest_value,
            a.c.target_value.label("assessed_target"),
            # The reasons as JSON text, parsed by pydantic's core (the driver's JSON codec is
            # Python's ``json``; expanding the array in SQL costs the server more than both).
            sa.cast(a.c.components["reasons"], sa.Text).label("reasons"),
        )
        .select_from(
            i.outerjoin(target, target.c.indicator_id == i.c.id).outerjoin(
                a, and_(a.c.indicator_id == i.c.id, a.c.region_code == bindparam("region"))
            )
        )
        .where(i.c.plan_id == bindparam("plan_id"))
        .order_by(i.c.position, i.c.code, i.c.id)
    )


# Built once and run on the driver (``dudao_shared.prepared``): the scorecard is the hot read,
# and building the statement, or running it through the session, costs more than the query.
SCORECARD = Prepared(_scorecard_statement())
_PLAN_REGION = Prepared(
    select(table_of(Indicator).c.region_code)
    .where(table_of(Indicator).c.plan_id == bindparam("plan_id"))
    .limit(1)
)


async def scorecard(conn: Any, *, plan_id: str, region_code: str | None) -> Scorecard:
    """One Core query: the plan's indicators, each joined to its most specific target and to
    its stored assessment for the region (which carries the latest value). ``conn`` is a
    driver connection: a GET route's ``ReadConnection`` or ``driver(session)``."""
    found_region = None
    if not region_code:
        found_region = await _PLAN_REGION.fetchrow(conn, {"plan_id": plan_id})
    region = region_code or (found_region[0] if found_region is not None else None)
    if region is None:
        raise PlanNotFound(f"规划 {plan_id} 没有指标")
    params = {
        "plan_id": plan_id,
        "region": region,
        "region_scope": f"region:{region}",
        "level_scope": f"level:{level_of(region)}",
    }
    found = await SCORECARD.fetch(conn, params)
    if not found:
        raise PlanNotFound(f"规划 {plan_id} 没有指标")
    rows = []
    statuses = []
    for r in found:
        status = r["status"] or "insufficient_data"
        statuses.append((status, r["score"]))
        rows.append(
            {
                "indicator_id": r["id"],
                "code": r["code"],
                "seq": r["seq"],
                "name": r["name"],
                "domain": r["domain"],
                "measure_unit": r["measure_unit"],
                "nature": r["nature"],
                "direction": r["direction"],
                "parent_id": r["parent_id"],
                "baseline_year": r["baseline_year"],
                "baseline_value": r["baseline_value"],
                "target_text": _target_text(r) if r["scope"] is not None else None,
                "target_kind": r["kind"],
                "target_year": r["target_year"],
                "target_value": r["assessed_target"]
                if r["assessed_target"] is not None
                else r["resolved_value"],
                "latest_period": r["latest_period"],
                "latest_value": r["latest_value"],
                "status": status,
                "status_zh": STATUS_ZH[status],
                "score": r["score"],
                "method": r["method"],
                "ratio": r["ratio"],
                "reasons": from_json(r["reasons"] or "[]") if r["status"] else ["尚无监测值"],
                "assessment_id": r["assessment_id"],
            }
        )
    # One validation of the whole card, in pydantic's compiled core: cheaper than building 20
    # models in Python (``model_construct`` walks every field in Python, row by row).
    return Scorecard.model_validate(
        {
            "plan_id": plan_id,
            "region_code": region,
            "rows": rows,
            "summary": summarize(statuses),
        }
    )


async def rollup(
    session: AsyncSession, *, plan_id: str, region_code: str | None, by: str
) -> Rollup:
    inds = await _plan_indicators(session, plan_id)
    region = region_code or inds[0].region_code
    by_id = {i.id: i for i in inds}
    q = select(Assessment).where(Assessment.plan_id == plan_id)
    if by == "region":
        q = q.where(col(Assessment.region_code).startswith(region_prefix(region)))
    else:
        q = q.where(Assessment.region_code == region)
    rows = (await session.scalars(q)).all()
    groups: dict[str | None, list[tuple[str, Decimal | None]]] = defaultdict(list)
    for a in rows:
        ind = by_id[a.indicator_id]
        key = {"domain": ind.domain, "region": a.region_code, "nature": ind.nature}[by]
        groups[key].append((a.status, a.score))
    if by != "region":
        # Indicators not yet measured still count, as insufficient data.
        seen = {a.indicator_id for a in rows}
        for ind in inds:
            if ind.id not in seen:
                key = ind.domain if by == "domain" else ind.nature
                groups[key].append(("insufficient_data", None))
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    if by == "domain":
        order = {d: i for i, d in enumerate(dict.fromkeys(i.domain for i in inds))}
        ordered = sorted(groups.items(), key=lambda kv: order.get(kv[0], 10**6))
    return Rollup(
        plan_id=plan_id,
        region_code=region,
        by=by,
        groups=[RollupGroup(key=k, **summarize(v).model_dump()) for k, v in ordered],
        total=summarize(x for v in groups.values() for x in v),
    )


def _direct_child(parent: str, code: str) -> str:
    return code[:4] + "00" if level_of(parent) == "province" else code


async def region_total(
    session: AsyncSession, *, indicator: Indicator, region_code: str | None, period: str
) -> RegionTotal:
    if indicator.aggregation not in {"sum", "ratio"}:
        raise ValidationFailed(
            "该指标不可按区划汇总（aggregation 为 none）",
            errors=[
                {"field": "indicator_id", "message": "指标须为可加（sum）或分子分母（ratio）类型"}
            ],
        )
    region = region_code or indicator.region_code
    rows = (
        await session.execute(
            select(
                col(Measurement.region_code),
                col(Measurement.value),
                col(Measurement.numerator_value),
                col(Measurement.denominator_value),
            ).where(
                Measurement.indicator_id == indicator.id,
                Measurement.period == period,
                col(Measurement.status).in_(assessments_service.COUNTED_STATUSES),
                col(Measurement.region_code).startswith(region_prefix(region)),
            )
        )
    ).all()
    data = {r[0]: (r[1], r[2], r[3]) for r in rows}
    factor = Decimal(indicator.factor) if indicator.factor is not None else Decimal(1)
    ratio = indicator.aggregation == "ratio"

    def node(code: str) -> RegionPart | None:
        own = data.get(code)
        if own is not None and (not ratio or (own[1] is not None and own[2] is not None)):
            return RegionPart(
                region_code=code,
                value=own[0],
                numerator=own[1],
                denominator=own[2],
                source="measured",
            )
        if level_of(code) == "county":
            return None
        total, _ = combine(code)
        return total

    def combine(code: str) -> tuple[RegionPart | None, list[RegionPart]]:
        kids = sorted({_direct_child(code, c) for c in data if c != code and contains(code, c)})
        parts = [p for p in (node(k) for k in kids if k != code) if p is not None]
        if not parts:
            return None, []
        if ratio:
            num = sum((Decimal(p.numerator) for p in parts if p.numerator is not None), Decimal(0))
            den = sum(
                (Decimal(p.denominator) for p in parts if p.denominator is not None), Decimal(0)
            )
            value = (num / den * factor).quantize(Decimal("0.0001")) if den else None
            return RegionPart(
                region_code=code, value=value, numerator=num, denominator=den, source="computed"
            ), parts
        value = sum((Decimal(p.value) for p in parts if p.value is not None), Decimal(0))
        return RegionPart(region_code=code, value=value, source="computed"), parts

    total, parts = combine(region)
    own = data.get(region)
    return RegionTotal(
        indicator_id=indicator.id,
        region_code=region,
        period=period,
        method=indicator.aggregation,
        value=total.value if total else None,
        numerator=total.numerator if total else None,
        denominator=total.denominator if total else None,
        measured_value=own[0] if own else None,
        children=parts,
    )


def _trajectory(
    baseline: Point | None, xt: Decimal | None, t: int | None, milestones: dict[int, Decimal]
) -> list[YearValue]:
    if baseline is None or xt is None or t is None or not float(baseline.time).is_integer():
        return []
    b, xb = int(baseline.time), baseline.value
    if t <= b:
        return []
    anchors = sorted({b: xb, **{y: v for y, v in milestones.items() if b < y < t}, t: xt}.items())
    out = []
    geometric = not milestones and xb > 0 and xt > 0
    for y in range(b, t + 1):
        if geometric:
            v = Decimal(repr(float(xb) * (float(xt) / float(xb)) ** ((y - b) / (t - b))))
        else:
            (y0, v0), (y1, v1) = next(
                (anchors[i], anchors[i + 1])
                for i in range(len(anchors) - 1)
                if anchors[i][0] <= y <= anchors[i + 1][0]
            )
            v = v0 + (v1 - v0) * Decimal(y - y0) / Decimal(y1 - y0)
        out.append(YearValue(year=y, value=v.quantize(Decimal("0.0001"))))
    return out


async def series(session: AsyncSession, *, indicator: Indicator, region_code: str | None) -> Series:
    region = region_code or indicator.region_code
    targets = await assessments_service.targets_of(session, indicator_id=indicator.id)
    target = assessments_service.pick(targets, region)
    rows = (
        await session.execute(
            select(col(Measurement.period), col(Measurement.value), col(Measurement.status))
            .where(
                Measurement.indicator_id == indicator.id,
                Measurement.region_code == region,
                col(Measurement.status).in_(assessments_service.COUNTED_STATUSES),
            )
            .order_by(col(Measurement.period_end))
        )
    ).all()
    baseline, source = await assessments_service.baseline_for(
        session, indicator=indicator, target=target, region_code=region
    )
    spec = assessments_service.to_spec(target) if target else None
    ms = milestones_for(spec, baseline) if spec else {}
    xt = target_value(spec, baseline) if spec else None
    a = await session.scalar(
        select(Assessment).where(
            Assessment.indicator_id == indicator.id, Assessment.region_code == region
        )
    )
    return Series(
        indicator=IndicatorRead.model_validate(indicator, from_attributes=True),
        region_code=region,
        target=TargetRead.of(target) if target else None,
        baseline=BaselineRead(year=baseline.time, value=baseline.value, source=source)
        if baseline
        else None,
        points=[
            SeriesPoint(period=p, time=parse_period(p).time, value=v, status=s) for p, v, s in rows
        ],
        milestones=[YearValue(year=y, value=v) for y, v in sorted(ms.items())],
        trajectory=_trajectory(baseline, xt, spec.target_year if spec else None, ms),
        assessment=AssessmentRead.of(a) if a else None,
    )


# --- roll-up across levels: a plan's indicator from its child regions' plans -----------------

# Units of a rate: a value per so many people or events, which regions cannot simply add.
RATE_UNITS = ("%", "‰", "‱", "/10万", "/万", "/千", "每千", "每万", "每十万", "每10万")
_NAME_NOISE = str.maketrans("", "", " \t\u3000（）()、，,.:：；;“”\"'")
_PLACES = Decimal("0.0001")


def is_rate(ind: Indicator) -> bool:
    return ind.aggregation == "ratio" or any(u in (ind.measure_unit or "") for u in RATE_UNITS)


def same_indicator(a: Indicator, b: Indicator) -> bool:
    """A child plan's indicator is the parent's when its name (spaces and punctuation aside)
    and its unit are the same: plans of each level number their tables their own way, and a
    value in another unit is not the same quantity."""
    return a.name.translate(_NAME_NOISE) == b.name.translate(_NAME_NOISE) and (
        (a.measure_unit or "").strip() == (b.measure_unit or "").strip()
    )


ROLLUP_RULES = {
    "sum": "数量指标（aggregation=sum）：已报送下级区划的值相加",
    "weighted": "率类指标：各已报送区划的值按其分母加权平均，Σ(值×分母)÷Σ分母",
    "mean": "简单平均：各已报送区划的值相加后除以区划数，未按人口或分母加权，仅供参考",
    "none": "没有下级区划报送该期数值，不作推算",
}


async def level_rollup(
    session: AsyncSession,
    *,
    indicator: Indicator,
    period: str,
    children: Sequence[tuple[str, str, list[str]]],
) -> LevelRollup:
    """``children``: each child region (code, name) with the plans of it under the indicator's
    plan (possibly none). Regions that did not report are listed, never filled in."""
    plan_ids = sorted({p for _, _, plans in children for p in plans})
    candidates = (
        (
            await session.scalars(
                select(Indicator)
                .where(col(Indicator.plan_id).in_(plan_ids))
                .order_by(col(Indicator.plan_id), col(Indicator.position), col(Indicator.code))
            )
        ).all()
        if plan_ids
        else []
    )
    matched: dict[str, Indicator] = {}
    for code, _, plans in children:
        for cand in candidates:
            if cand.plan_id in plans and same_indicator(cand, indicator):
                matched[code] = cand
                break
    wanted = [(m.id, code) for code, m in matched.items()] + [(indicator.id, indicator.region_code)]
    rows = (
        await session.execute(
            sa.select(
                col(Measurement.indicator_id),
                col(Measurement.region_code),
                col(Measurement.value),
                col(Measurement.numerator_value),
                col(Measurement.denominator_value),
            ).where(
                col(Measurement.indicator_id).in_([w[0] for w in wanted]),
                col(Measurement.period) == period,
                col(Measurement.status).in_(assessments_service.COUNTED_STATUSES),
            )
        )
    ).all()
    values = {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows if (r[0], r[1]) in set(wanted)}
    out: list[ChildRegionValue] = []
    for code, name, plans in children:
        ind = matched.get(code)
        got = values.get((ind.id, code)) if ind is not None else None
        status = (
            "reported"
            if got is not None
            else "not_reported"
            if ind is not None
            else "no_indicator"
            if plans
            else "no_plan"
        )
        out.append(
            ChildRegionValue(
                region_code=code,
                region_name=name,
                status=status,
                plan_ids=list(plans),
                indicator_id=ind.id if ind is not None else None,
                value=got[0] if got else None,
                numerator=got[1] if got else None,
                denominator=got[2] if got else None,
            )
        )
    reported = [c for c in out if c.status == "reported" and c.value is not None]
    method, value = _combine(indicator, reported)
    own = values.get((indicator.id, indicator.region_code))
    return LevelRollup(
        indicator_id=indicator.id,
        plan_id=indicator.plan_id,
        region_code=indicator.region_code,
        period=period,
        method=method,
        unweighted=method == "mean",
        rule=ROLLUP_RULES[method],
        value=value,
        measured_value=own[0] if own else None,
        reported=[c.region_code for c in reported],
        missing=[c.region_code for c in out if c not in reported],
        children=out,
    )


def _combine(ind: Indicator, reported: Sequence[ChildRegionValue]) -> tuple[str, Decimal | None]:
    if not reported:
        return "none", None
    vals = [Decimal(c.value) for c in reported if c.value is not None]
    if ind.aggregation == "sum" and not is_rate(ind):
        return "sum", sum(vals, Decimal(0))
    dens = [c.denominator for c in reported]
    if is_rate(ind) and all(d is not None and Decimal(d) > 0 for d in dens):
        weights = [Decimal(d) for d in dens if d is not None]
        total = sum((v * w for v, w in zip(vals, weights, strict=True)), Decimal(0))
        return "weighted", (total / sum(weights, Decimal(0))).quantize(_PLACES)
    return "mean", (sum(vals, Decimal(0)) / len(vals)).quantize(_PLACES)
