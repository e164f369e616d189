"""Measurements in a spreadsheet: the template a county fills in for a plan × region × period,
the export in the same layout, and the import with a dry run.

Every row goes through the same rules as ``POST``/``PATCH /measurements`` (``service.create``
and ``service.update``), each in its own savepoint: a row that breaks a rule becomes a row
error and leaves nothing behind, and a dry run is the real import rolled back, so what it
reports is exactly what the import would do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.errors import Problem
from dudao_shared.regions import contains, is_region_code
from dudao_shared.sheet_jobs import ImportRequest, SheetImporter
from dudao_shared.sheets import (
    Cell,
    CellError,
    CellProblem,
    ImportMode,
    ImportSummary,
    Progress,
    RowOutcome,
    SheetColumn,
    SheetKind,
    SheetRow,
    as_choice,
    as_decimal,
    finish_import,
    report,
)

from ..assessments import service as assessments_service
from ..indicators.dependencies import unit_grant_pairs
from ..models import Indicator, Measurement
from ..periods import parse_period
from . import service
from .dependencies import authorize_report
from .schemas import MeasurementCreate, MeasurementUpdate

# The per-row reporting check of POST /measurements (a unit's grant, a planner's region).
Authorize = Callable[[AsyncSession, Principal, Indicator, str], Awaitable[None]]
YES_NO = {"是": "yes", "否": "no"}

KIND = SheetKind(
    name="measurements",
    title="监测值",
    columns=(
        SheetColumn("code", "指标编号", 12, True, "指标在规划中的编号（模板已填好）", "1"),
        SheetColumn("name", "指标名称", 36, False, "仅供对照，导入时不读取", "人均预期寿命"),
        SheetColumn("measure_unit", "计量单位", 10, False, "仅供对照", "岁"),
        SheetColumn("region_code", "区划代码", 12, True, "六位行政区划代码", "360112"),
        SheetColumn(
            "period", "统计期", 12, True, "2025（年）、2025Q1（季）、2025-03（月）", "2025"
        ),
        SheetColumn("value", "数值", 12, False, "空着的行不导入", "80.2"),
        SheetColumn("numerator", "分子", 12, False, "率类指标可填", ""),
        SheetColumn("denominator", "分母", 12, False, "率类指标可填", ""),
        SheetColumn("source", "数据来源", 24, False, "如 统计年鉴、卫生统计直报", "卫生统计直报"),
        SheetColumn("note", "说明", 30, False, "进度滞后的数值报送时须说明原因", ""),
        SheetColumn("reason", "更正原因", 30, False, "修改已有数值时必填，留存于更正记录", ""),
        SheetColumn(
            "submit", "报送", 8, False, "是：直接报送；否：存为草稿（默认是）", "是", "yes_no"
        ),
    ),
    instructions=(
        "一行是一个指标在一个区划、一个统计期的数值；指标编号、区划代码、统计期三者确定一条记录。",
        "已有数值的行：数值不变则不改动；数值改变须填写“更正原因”，原值留存于更正记录。",
        "先“预检”查看每一行将新建、更新或不变，以及每个错误所在的行和列；无误后再导入。",
    ),
)
_FIELD_COLUMN = {
    "value": "value",
    "numerator_value": "numerator",
    "denominator_value": "denominator",
    "note": "note",
    "reason": "reason",
    "period": "period",
    "region_code": "region_code",
    "source": "source",
    "indicator_id": "code",
}


def _row(ind: Indicator, region_code: str, period: str, m: Measurement | None) -> list[Cell]:
    return [
        ind.code,
        ind.name,
        ind.measure_unit,
        region_code,
        period,
        m.value if m else None,
        m.numerator_value if m else None,
        m.denominator_value if m else None,
        m.source if m else None,
        m.note if m else None,
        None,
        None if m is None else ("否" if m.status == "draft" else "是"),
    ]


async def _visible_indicators(
    session: AsyncSession, principal: Principal, plan_id: str, region_code: str | None
) -> list[tuple[Indicator, str]]:
    """The plan's indicators with the region each row is for: a unit's granted pairs, or for
    staff every indicator in ``region_code`` (default: the indicator's own region)."""
    indicators = (
        await session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan_id)
            .order_by(col(Indicator.position), col(Indicator.code))
        )
    ).all()
    if principal.is_unit:
        pairs = await unit_grant_pairs(session, principal.unit_id or "")
        return [
            (ind, r)
            for ind in indicators
            for (i, r) in sorted(pairs)
            if i == ind.id and (region_code is None or r == region_code)
        ]
    return [(ind, region_code or ind.region_code) for ind in indicators]


async def template_rows(
    session: AsyncSession,
    principal: Principal,
    *,
    plan_id: str,
    region_code: str | None,
    period: str,
) -> list[list[Cell]]:
    """One row per indicator the caller reports for the region and period, with the value
    already stored (so the template is also the form to correct)."""
    pairs = await _visible_indicators(session, principal, plan_id, region_code)
    stored = await _stored(session, [(i.id, r, period) for i, r in pairs])
    return [_row(ind, r, period, stored.get((ind.id, r, period))) for ind, r in pairs]


async def export_rows(
    session: AsyncSession,
    principal: Principal,
    *,
    plan_id: str,
    region_code: str | None,
    period: str | None,
) -> list[list[Cell]]:
    """The stored values of the plan the caller may see, in the template's layout."""
    pairs = await _visible_indicators(session, principal, plan_id, region_code)
    if not pairs:
        return []
    by_id = {ind.id: ind for ind, _ in pairs}
    q = select(Measurement).where(col(Measurement.indicator_id).in_(list(by_id)))
    if period is not None:
        q = q.where(Measurement.period == period)
    if region_code is not None:
        q = q.where(Measurement.region_code == region_code)
    allowed = {(ind.id, r) for ind, r in pairs} if principal.is_unit else None
    rows = (await session.scalars(q)).all()
    out = [
        (by_id[m.indicator_id], m)
        for m in rows
        if allowed is None or (m.indicator_id, m.region_code) in allowed
    ]
    out.sort(key=lambda p: (p[0].position, p[0].code, p[1].region_code, p[1].period_end))
    return [_row(ind, m.region_code, m.period, m) for ind, m in out]


async def _stored(
    session: AsyncSession, keys: Sequence[tuple[str, str, str]]
) -> dict[tuple[str, str, str], Measurement]:
    if not keys:
        return {}
    ids = {k[0] for k in keys}
    rows = (
        await session.scalars(select(Measurement).where(col(Measurement.indicator_id).in_(ids)))
    ).all()
    wanted = set(keys)
    return {
        (m.indicator_id, m.region_code, m.period): m
        for m in rows
        if (m.indicator_id, m.region_code, m.period) in wanted
    }


def _error(row: int, key: str, message: str) -> CellError:
    return CellError(row=row, column=KIND.header_of(key), message=message)


def _problem_errors(row: int, exc: Problem) -> list[CellError]:
    if exc.errors:
        return [
            _error(row, _FIELD_COLUMN.get(e.get("field", ""), "value"), e.get("message", ""))
            for e in exc.errors
        ]
    return [_error(row, "value", exc.detail or exc.title)]


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == b)


async def import_rows(
    session: AsyncSession,
    principal: Principal,
    *,
    plan_id: str,
    rows: Sequence[SheetRow],
    authorize: Authorize,
    dry_run: bool,
    mode: ImportMode,
    progress: Progress | None = None,
) -> ImportSummary:
    indicators = {
        i.code: i
        for i in (await session.scalars(select(Indicator).where(Indicator.plan_id == plan_id)))
    }
    keys: list[tuple[str, str, str]] = []
    for r in rows:
        ind = indicators.get(r.values.get("code") or "")
        if ind is not None:
            keys.append((ind.id, r.values.get("region_code") or "", r.values.get("period") or ""))
    stored = await _stored(session, keys)
    seen: dict[tuple[str, str, str], int] = {}
    outcomes: list[RowOutcome] = []
    touched: dict[tuple[str, str], Indicator] = {}
    outer = await session.begin_nested()
    for r in rows:
        outcome = await _import_row(session, principal, r, indicators, stored, seen, authorize)
        if outcome[0].action in ("create", "update"):
            ind = outcome[1]
            assert ind is not None
            touched[(ind.id, r.values.get("region_code") or "")] = ind
        outcomes.append(outcome[0])
        report(progress, len(outcomes), len(rows))

    async def recompute() -> None:
        for (_, region), ind in touched.items():
            await assessments_service.recompute(session, indicator=ind, region_code=region)

    return await finish_import(
        outer, KIND, outcomes, dry_run=dry_run, mode=mode, before_commit=recompute
    )


async def _import_row(
    session: AsyncSession,
    principal: Principal,
    r: SheetRow,
    indicators: dict[str, Indicator],
    stored: dict[tuple[str, str, str], Measurement],
    seen: dict[tuple[str, str, str], int],
    authorize: Authorize,
) -> tuple[RowOutcome, Indicator | None]:
    v = r.values
    key = f"{v.get('code') or '?'} · {v.get('region_code') or '?'} · {v.get('period') or '?'}"
    errors: list[CellError] = []

    def fail(column: str, message: str) -> tuple[RowOutcome, None]:
        errors.append(_error(r.number, column, message))
        return RowOutcome(row=r.number, key=key, action="error", errors=errors), None

    ind = indicators.get(v.get("code") or "")
    if ind is None:
        return fail("code", f"规划中没有编号为“{v.get('code') or ''}”的指标")
    region = v.get("region_code") or ""
    if not is_region_code(region):
        return fail("region_code", f"“{region}”不是六位行政区划代码")
    if not contains(ind.region_code, region) and not principal.is_admin:
        return fail("region_code", f"区划 {region} 不在该规划的范围 {ind.region_code} 内")
    try:
        parse_period(v.get("period") or "")
    except ValueError:
        return fail("period", f"“{v.get('period') or ''}”不是统计期（示例：2025、2025Q1、2025-03）")
    period = v["period"] or ""
    parsed: dict[str, Decimal | None] = {}
    for column in ("value", "numerator", "denominator"):
        try:
            parsed[column] = as_decimal(v.get(column))
        except CellProblem as exc:
            return fail(column, str(exc))
    try:
        submit = as_choice(v.get("submit"), YES_NO, "报送") != "no"
    except CellProblem as exc:
        return fail("submit", str(exc))
    value, numerator, denominator = parsed["value"], parsed["numerator"], parsed["denominator"]
    if value is None:
        return fail("value", "数值不能为空（不需要导入的行请删除）")
    nk = (ind.id, region, period)
    if nk in seen:
        return fail("period", f"与第 {seen[nk]} 行是同一指标、区划和统计期")
    seen[nk] = r.number
    try:
        await authorize(session, principal, ind, region)
    except Problem as exc:
        return fail("region_code", exc.detail or exc.title)
    existing = stored.get(nk)
    source, note, reason = v.get("source"), v.get("note"), v.get("reason")
    try:
        async with session.begin_nested():
            if existing is None:
                await service.create(
                    session,
                    principal=principal,
                    indicator=ind,
                    data=MeasurementCreate(
                        indicator_id=ind.id,
                        region_code=region,
                        period=period,
                        value=value,
                        numerator_value=numerator,
                        denominator_value=denominator,
                        source=source,
                        note=note,
                        submit=submit,
                    ),
                    recompute=False,
                )
                return RowOutcome(row=r.number, key=key, action="create"), ind
            changes: dict[str, list[str | None]] = {}
            update: dict[str, object] = {}
            for field, new, old in (
                ("value", value, existing.value),
                ("numerator_value", numerator, existing.numerator_value),
                ("denominator_value", denominator, existing.denominator_value),
            ):
                if not _same(new, old):
                    update[field] = new
                    changes[KIND.header_of(_FIELD_COLUMN[field])] = [_txt(old), _txt(new)]
            for field, new_s, old_s in (
                ("source", source, existing.source),
                ("note", note, existing.note),
            ):
                if (new_s or None) != (old_s or None):
                    update[field] = new_s
                    changes[KIND.header_of(field)] = [old_s, new_s]
            if not update:
                return RowOutcome(row=r.number, key=key, action="unchanged"), None
            if "value" in update:
                update["reason"] = reason
            await service.update(
                session,
                principal=principal,
                indicator=ind,
                m=existing,
                data=MeasurementUpdate.model_validate(update),
                expected=existing.version,
                recompute=False,
            )
            return RowOutcome(row=r.number, key=key, action="update", changes=changes), ind
    except Problem as exc:
        errors.extend(_problem_errors(r.number, exc))
        return RowOutcome(row=r.number, key=key, action="error", errors=errors), None


def _txt(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


async def _import(
    session: AsyncSession,
    principal: Principal,
    request: ImportRequest,
    rows: list[SheetRow],
    progress: Progress | None,
) -> ImportSummary:
    # Each row is checked as POST /measurements checks a report.
    return await import_rows(
        session,
        principal,
        plan_id=str(request.params["plan_id"]),
        rows=rows,
        authorize=authorize_report,
        dry_run=request.dry_run,
        mode=request.mode,
        progress=progress,
    )


# What the import route runs, and the worker for a file too large for a request.
IMPORTER = SheetImporter(KIND, _import)
