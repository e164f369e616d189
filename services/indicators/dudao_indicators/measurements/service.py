"""Rules for measurements: validation by measure unit, one value per indicator × region ×
period, explicit corrections with a reason, draft → submitted → approved, and a note for any
submitted value that is off track."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import get_today, utcnow
from dudao_shared.decimals import plain
from dudao_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dudao_shared.http import ServiceClient
from dudao_shared.pagination import paginate
from dudao_shared.prepared import Prepared, driver
from dudao_shared.regions import region_prefix
from dudao_shared.versioning import flush_versioned, require_version

from ..assessments import service as assessments_service
from ..common import granted_pairs
from ..engine import STATUS_ZH, Point
from ..models import Assessment, Indicator, Measurement, MeasurementCorrection, Target
from ..models.base import table_of
from ..periods import parse_period
from .schemas import MeasurementCreate, MeasurementUpdate

NEEDS_NOTE = frozenset({"off_track", "regressing", "not_achieved"})


class MeasurementNotFound(NotFound):
    code, title = "measurement_not_found", "监测值不存在"


class MeasurementExists(Conflict):
    code, title = "measurement_exists", "该统计期已有监测值"


class InvalidTransition(Conflict):
    code, title = "invalid_status_transition", "当前状态不允许此操作"


class MeasurementLocked(Conflict):
    code, title = "measurement_approved", "已审核的监测值只能由规划人员更正"


class SamePersonApproval(Forbidden):
    code, title = "same_person_approval", "填报或更正数值的人不能审核该数值"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


def validate_value(indicator: Indicator, field: str, value: Decimal | None) -> None:
    """Range by measure unit, unless the indicator allows values outside it."""
    if value is None or indicator.allow_out_of_range:
        return
    unit = (indicator.measure_unit or "").strip()
    if unit == "%" and not (0 <= value <= 100):
        raise _invalid(field, f"计量单位为 %，数值应在 0 到 100 之间（收到 {value}）")
    if unit == "‰" and not (0 <= value <= 1000):
        raise _invalid(field, f"计量单位为 ‰，数值应在 0 到 1000 之间（收到 {value}）")
    if value < 0:
        raise _invalid(field, f"{indicator.name}不能为负数（收到 {value}）")


def validate_parts(
    indicator: Indicator, numerator: Decimal | None, denominator: Decimal | None
) -> None:
    if numerator is not None and numerator < 0:
        raise _invalid("numerator_value", "分子不能为负数")
    if denominator is not None and denominator <= 0:
        raise _invalid("denominator_value", "分母须大于 0")
    if (
        numerator is not None
        and denominator is not None
        and indicator.measure_unit in {"%", "‰"}
        and not indicator.allow_out_of_range
        and numerator > denominator
    ):
        raise _invalid("numerator_value", "率类指标的分子不能大于分母")


# A rate's factor when the indicator names none: per cent ×100, per mille ×1000.
UNIT_FACTOR = {"%": Decimal(100), "‰": Decimal(1000)}


def validate_ratio(
    indicator: Indicator,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
) -> None:
    """Numerator and denominator, when both are given, must give back the value: numerator /
    denominator × factor, rounded to as many decimals as the value was written with (33.3 for
    1/3 %, but not 90 for 100/1000 %)."""
    if value is None or numerator is None or denominator is None or denominator == 0:
        return
    factor: Decimal = indicator.factor or UNIT_FACTOR.get(
        (indicator.measure_unit or "").strip(), Decimal(1)
    )
    computed = Decimal(numerator) / Decimal(denominator) * Decimal(factor)
    places = Decimal(value).as_tuple().exponent
    exponent = min(places, 0) if isinstance(places, int) else 0
    half_step = Decimal(1).scaleb(exponent) / 2
    if abs(computed - Decimal(value)) > half_step:
        shown = computed.quantize(Decimal(1).scaleb(exponent - 2)).normalize()
        raise _invalid(
            "value",
            f"分子 {plain(Decimal(numerator))} ÷ 分母 {plain(Decimal(denominator))}"
            f" × {plain(Decimal(factor))} = {shown:f}，与监测值 {plain(Decimal(value))} 不符",
        )


async def validate_period(
    session: AsyncSession,
    *,
    indicator: Indicator,
    code: str,
    today: date,
    plan_years: tuple[int | None, int | None],
) -> None:
    """A value belongs to a period that has begun and lies within the plan's years: from its
    base year (the year before the plan starts, or a target's baseline year) to its last year
    (the plan's end, or a target's or milestone's year)."""
    period = parse_period(code)
    if period.start > today:
        raise _invalid("period", f"统计期 {code} 尚未开始（今天是 {today.isoformat()}），不能填报")
    targets = (
        await session.scalars(select(Target).where(Target.indicator_id == indicator.id))
    ).all()
    lows = [t.baseline_year for t in targets if t.baseline_year is not None]
    highs = [t.target_year for t in targets if t.target_year is not None]
    highs += [int(m["year"]) for t in targets for m in t.milestones or [] if m.get("year")]
    start, end = plan_years
    if start is not None:
        lows.append(start - 1)
    if end is not None:
        highs.append(end)
    lo, hi = (min(lows) if lows else None), (max(highs) if highs else None)
    if (lo is not None and period.year < lo) or (hi is not None and period.year > hi):
        span = f"{lo if lo is not None else '…'}—{hi if hi is not None else '…'}"
        raise _invalid("period", f"统计期 {code} 不在规划年限 {span} 内")


async def last_corrector(session: AsyncSession, m: Measurement) -> str | None:
    return await session.scalar(
        select(MeasurementCorrection.corrected_by)
        .where(MeasurementCorrection.measurement_id == m.id)
        .order_by(col(MeasurementCorrection.corrected_at).desc())
        .limit(1)
    )


async def _require_note(session: AsyncSession, *, indicator: Indicator, m: Measurement) -> None:
    """A value being submitted is judged on its own, as if it were the latest."""
    if m.status == "draft" or (m.note and m.note.strip()):
        return
    point = Point(parse_period(m.period).time, Decimal(m.value), m.period)
    result, _ = await assessments_service.evaluate(
        session, indicator=indicator, region_code=m.region_code, latest=point
    )
    if result.status in NEEDS_NOTE:
        raise _invalid(
            "note",
            f"该数值评估为“{STATUS_ZH[result.status]}”，报送时须在 note 中说明原因"
            f"（{'；'.join(result.reasons[-3:])}）",
        )


async def create(
    session: AsyncSession,
    *,
    principal: Principal,
    indicator: Indicator,
    data: MeasurementCreate,
    today: date | None = None,
    plan_years: tuple[int | None, int | None] = (None, None),
    recompute: bool = True,
) -> Measurement:
    """``recompute=False`` leaves the assessment to the caller (an import does it once per
    indicator and region after its rows)."""
    validate_value(indicator, "value", data.value)
    validate_parts(indicator, data.numerator_value, data.denominator_value)
    validate_ratio(indicator, data.value, data.numerator_value, data.denominator_value)
    await validate_period(
        session,
        indicator=indicator,
        code=data.period,
        today=today or get_today(),
        plan_years=plan_years,
    )
    period = parse_period(data.period)
    existing = await session.scalar(
        select(Measurement.id).where(
            Measurement.indicator_id == indicator.id,
            Measurement.region_code == data.region_code,
            Measurement.period == data.period,
        )
    )
    if existing:
        raise MeasurementExists(
            f"指标在 {data.region_code} 的 {data.period} 已有监测值（{existing}），"
            "如需修改请更正该记录"
        )
    now = utcnow()
    m = Measurement(
        indicator_id=indicator.id,
        region_code=data.region_code,
        period=data.period,
        period_end=period.end,
        value=data.value,
        numerator_value=data.numerator_value,
        denominator_value=data.denominator_value,
        source=data.source,
        reporting_unit_id=principal.unit_id if principal.is_unit else data.reporting_unit_id,
        reported_by=principal.sub,
        note=data.note,
        status="submitted" if data.submit else "draft",
        submitted_at=now if data.submit else None,
    )
    session.add(m)
    await session.flush()
    await _require_note(session, indicator=indicator, m=m)
    if recompute:
        await assessments_service.recompute(session, indicator=indicator, region_code=m.region_code)
    return m


async def update(
    session: AsyncSession,
    *,
    principal: Principal,
    indicator: Indicator,
    m: Measurement,
    data: MeasurementUpdate,
    expected: int,
    recompute: bool = True,
) -> Measurement:
    require_version(m.version, expected)
    if principal.is_unit and m.status == "approved":
        raise MeasurementLocked("该监测值已审核，单位不能再修改；如有错误请联系规划人员更正")
    changes = data.model_dump(exclude_unset=True)
    reason = changes.pop("reason", None)
    if "value" in changes and changes["value"] is None:
        raise _invalid("value", "监测值不能为空")
    new_value = changes.get("value")
    validate_value(indicator, "value", new_value)
    numerator = changes.get("numerator_value", m.numerator_value)
    denominator = changes.get("denominator_value", m.denominator_value)
    validate_parts(indicator, numerator, denominator)
    validate_ratio(
        indicator, new_value if new_value is not None else m.value, numerator, denominator
    )
    value_changed = new_value is not None and Decimal(new_value) != Decimal(m.value)
    parts_changed = any(
        k in changes and changes[k] != getattr(m, k)
        for k in ("numerator_value", "denominator_value")
    )
    if value_changed:
        if not reason or not reason.strip():
            raise _invalid("reason", "修改监测值须填写更正原因")
        session.add(
            MeasurementCorrection(
                measurement_id=m.id,
                old_value=m.value,
                new_value=Decimal(str(new_value)),
                old_status=m.status,
                reason=reason,
                corrected_by=principal.sub,
            )
        )
    for key, value in changes.items():
        setattr(m, key, value)
    if (value_changed or parts_changed) and m.status == "approved":
        # A corrected value is a new value: it needs a second person's approval again.
        m.status = "submitted"
        m.submitted_at = utcnow()
        m.approved_at = None
        m.approved_by = None
    m.updated_at = utcnow()
    await flush_versioned(session)
    await _require_note(session, indicator=indicator, m=m)
    if recompute:
        await assessments_service.recompute(session, indicator=indicator, region_code=m.region_code)
    return m


async def submit(
    session: AsyncSession,
    *,
    principal: Principal,
    indicator: Indicator,
    m: Measurement,
    expected: int,
) -> Measurement:
    require_version(m.version, expected)
    if m.status != "draft":
        raise InvalidTransition(f"只有草稿可以报送（当前：{m.status}）")
    m.status = "submitted"
    m.submitted_at = m.updated_at = utcnow()
    await flush_versioned(session)
    await _require_note(session, indicator=indicator, m=m)
    await assessments_service.recompute(session, indicator=indicator, region_code=m.region_code)
    return m


async def approve(
    session: AsyncSession,
    *,
    principal: Principal,
    indicator: Indicator,
    m: Measurement,
    expected: int,
    tasks: ServiceClient | None = None,
) -> Measurement:
    require_version(m.version, expected)
    if m.status != "submitted":
        raise InvalidTransition(f"只有已报送的数值可以审核通过（当前：{m.status}）")
    if principal.sub in {m.reported_by, await last_corrector(session, m)}:
        raise SamePersonApproval("审核须由填报和最后更正该数值以外的人进行（双人复核）")
    m.status = "approved"
    m.approved_at = m.updated_at = utcnow()
    m.approved_by = principal.sub
    await flush_versioned(session)
    if tasks is not None:
        # The public value changed: the task service's delivery machinery tells subscribed
        # portals (it knows whether the plan is public). Before our commit: if it cannot be
        # told, the approval fails whole and is retried, rather than passing unannounced.
        await tasks.post_json(
            "/internal/v1/events",
            {
                "type": "indicator.assessed",
                "plan_id": indicator.plan_id,
                "indicator_id": indicator.id,
                "region_code": m.region_code,
                "period": m.period,
                "measurement_id": str(m.id),
                "measurement_version": m.version,
            },
        )
    return m


async def corrections(
    session: AsyncSession, *, m: Measurement, limit: int, cursor: str | None
) -> tuple[list[MeasurementCorrection], str | None]:
    """Oldest correction first."""
    q = select(MeasurementCorrection).where(MeasurementCorrection.measurement_id == m.id)
    order_by: list[ColumnElement[Any]] = [
        col(MeasurementCorrection.corrected_at).asc(),
        col(MeasurementCorrection.id).asc(),
    ]
    return await paginate(session, q, limit=limit, cursor=cursor, order_by=order_by)


async def list_(
    session: AsyncSession,
    *,
    indicator_id: str | None,
    region_code: str | None,
    within_region: str | None,
    period: str | None,
    status: str | None,
    pairs: set[tuple[str, str]] | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Measurement], str | None]:
    """Newest period first; ``pairs`` narrows to what a unit may see."""
    q = select(Measurement)
    if indicator_id is not None:
        q = q.where(Measurement.indicator_id == indicator_id)
    if region_code is not None:
        q = q.where(Measurement.region_code == region_code)
    if within_region is not None:
        q = q.where(col(Measurement.region_code).startswith(region_prefix(within_region)))
    if period is not None:
        q = q.where(Measurement.period == period)
    if status is not None:
        q = q.where(Measurement.status == status)
    if pairs is not None:
        if not pairs:
            return [], None
        q = q.where(
            granted_pairs(col(Measurement.indicator_id), col(Measurement.region_code), pairs)
        )
    order_by: list[ColumnElement[Any]] = [
        col(Measurement.period_end).desc(),
        col(Measurement.id).desc(),
    ]
    return await paginate(session, q, limit=limit, cursor=cursor, order_by=order_by)


def _latest_statement(*, within: bool) -> Any:
    """The latest counted value of each region reporting ``:indicator_id`` (optionally only
    regions under ``:prefix``). The regions come from the assessment rows (one per reporting
    region); each takes one backward probe of ``ix_measurement_latest`` through LATERAL …
    LIMIT 1."""
    a = table_of(Assessment)
    m = table_of(Measurement)
    latest = (
        sa.select(m.c.id, m.c.period, m.c.value, m.c.status)
        .where(
            m.c.indicator_id == a.c.indicator_id,
            m.c.region_code == a.c.region_code,
            # One bound value per status: an expanding IN cannot be prepared once.
            m.c.status.in_([sa.literal(k) for k in assessments_service.COUNTED_STATUSES]),
        )
        .order_by(m.c.period_end.desc())
        .limit(1)
        .lateral("latest")
    )
    q = (
        sa.select(a.c.region_code, latest.c.id, latest.c.period, latest.c.value, latest.c.status)
        .select_from(a.join(latest, true()))
        .where(a.c.indicator_id == sa.bindparam("indicator_id", type_=sa.String()))
    )
    if within:
        # Region codes are digits: the prefix needs no LIKE escaping.
        q = q.where(a.c.region_code.startswith(sa.bindparam("prefix", type_=sa.String())))
    return q.order_by(a.c.region_code)


# Built once and run on the driver, as the scorecard's: a hot read whose statement building and
# session execution cost more than its rows.
LATEST_ALL = Prepared(_latest_statement(within=False))
LATEST_WITHIN = Prepared(_latest_statement(within=True))


async def latest_by_region(
    session: AsyncSession,
    *,
    indicator_id: str,
    within_region: str | None,
    pairs: set[tuple[str, str]] | None = None,
) -> list[tuple[str, str, str, Decimal, str]]:
    """Latest counted value of each region reporting the indicator:
    (region_code, measurement_id, period, value, status); ``pairs`` narrows to what a unit
    may see."""
    conn = await driver(session)
    if within_region is None:
        found = await LATEST_ALL.fetch(conn, {"indicator_id": indicator_id})
    else:
        found = await LATEST_WITHIN.fetch(
            conn, {"indicator_id": indicator_id, "prefix": region_prefix(within_region)}
        )
    # The driver gives NUMERIC as Decimal already: rows are returned as they come.
    rows: list[tuple[str, str, str, Decimal, str]] = [tuple(r) for r in found]
    if pairs is None:
        return rows
    return [r for r in rows if (indicator_id, r[0]) in pairs]
