"""Targets and yearly milestones of a plan's indicators in a spreadsheet: template, export and
import with a dry run. A row is one target, found by indicator code and scope (全部, a level,
or one region); rows go through the targets' own rules, each in its own savepoint, and a dry
run is the import rolled back."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.decimals import plain
from dudao_shared.errors import Problem
from dudao_shared.regions import can_write_region, contains, is_region_code
from dudao_shared.sheet_jobs import ImportRequest, SheetImporter
from dudao_shared.sheets import (
    Action,
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

from ..models import Indicator, Target
from . import service
from .schemas import MilestoneIn, TargetCreate, TargetUpdate

KINDS = {
    "绝对值": "absolute",
    "相对基期": "relative",
    "每年变化": "annual_change",
    "仅文字": "qualitative",
}
COMPARATORS = {"≥": ">=", "≤": "<=", "左右": "~", "=": "=", "区间": "between", ">": ">", "<": "<"}
LEVELS = {"省级": "province", "市级": "city", "县级": "county"}
UNITS = {"%": "%", "百分点": "百分点"}
_ZH = {v: k for m in (KINDS, COMPARATORS, LEVELS) for k, v in m.items()}
_MILESTONE = re.compile(r"^\s*(\d{4})\s*年?\s*[:：]\s*(≥|≤|>|<|=|左右)?\s*(-?[\d.]+)\s*(左右)?\s*$")

KIND = SheetKind(
    name="targets",
    title="指标目标",
    columns=(
        SheetColumn("code", "指标编号", 12, True, "指标在规划中的编号", "1"),
        SheetColumn("name", "指标名称", 30, False, "仅供对照，导入时不读取", "人均预期寿命"),
        SheetColumn("scope", "适用范围", 12, True, "全部、省级、市级、县级或六位区划代码", "全部"),
        SheetColumn("baseline_year", "基期年份", 10, False, "", "2020"),
        SheetColumn("baseline_value", "基期值", 10, False, "", "77.5"),
        SheetColumn("target_year", "目标年份", 10, False, "", "2025"),
        SheetColumn(
            "kind", "目标类型", 12, True, "绝对值、相对基期、每年变化、仅文字", "绝对值", "kinds"
        ),
        SheetColumn(
            "comparator", "比较符", 8, False, "≥、≤、左右、=、区间、>、<", "≥", "comparators"
        ),
        SheetColumn("value", "目标值", 10, False, "相对目标填变化量（30 表示增长30%）", "78.5"),
        SheetColumn("value_max", "区间上限", 10, False, "比较符为“区间”时填写", ""),
        SheetColumn(
            "rule_unit", "变化单位", 10, False, "相对或每年变化目标：% 或 百分点", "", "units"
        ),
        SheetColumn("text", "目标原文", 24, False, "", "78.5岁以上"),
        SheetColumn("milestones", "分年度目标", 30, False, "如 2023：≥78；2024：≥78.2", ""),
    ),
    instructions=(
        "一行是一个指标在一个适用范围的目标；指标编号与适用范围确定一条记录。",
        "分年度目标写成“年份：比较符 数值”，多个用分号分隔，如 2023：≥78；2024：≥78.2。",
        "先“预检”查看每一行将新建、更新或不变，以及每个错误所在的行和列；无误后再导入。",
    ),
)
CHOICES = {"kinds": list(KINDS), "comparators": list(COMPARATORS), "units": list(UNITS)}
_COMPARED = (
    "baseline_year",
    "baseline_value",
    "target_year",
    "kind",
    "comparator",
    "value",
    "value_max",
    "rule_unit",
    "text",
)


def _scope_text(t: Target) -> str:
    if t.region_code:
        return t.region_code
    return _ZH.get(t.level or "", "全部")


def _milestones_text(items: Sequence[dict[str, Any]]) -> str | None:
    parts = []
    for m in items:
        comparator = _ZH.get(m.get("comparator") or "", "")
        value = plain(Decimal(str(m["value"])))
        parts.append(
            f"{m['year']}：{value}左右"
            if comparator == "左右"
            else f"{m['year']}：{comparator}{value}"
        )
    return "；".join(parts) or None


async def rows_for(session: AsyncSession, plan_id: str) -> list[list[Cell]]:
    rows = (
        await session.execute(
            select(Target, Indicator)
            .join(Indicator, col(Indicator.id) == col(Target.indicator_id))
            .where(Indicator.plan_id == plan_id)
            .order_by(col(Indicator.position), col(Indicator.code), col(Target.scope))
        )
    ).all()
    return [
        [
            ind.code,
            ind.name,
            _scope_text(t),
            t.baseline_year,
            t.baseline_value,
            t.target_year,
            _ZH.get(t.kind, t.kind),
            _ZH.get(t.comparator or "", t.comparator),
            t.value,
            t.value_max,
            t.rule_unit,
            t.text,
            _milestones_text(t.milestones),
        ]
        for t, ind in rows
    ]


def _error(row: int, key: str, message: str) -> CellError:
    return CellError(row=row, column=KIND.header_of(key), message=message)


def _milestones(text: str | None) -> list[MilestoneIn]:
    out = []
    for part in re.split(r"[；;\n]", text or ""):
        if not part.strip():
            continue
        m = _MILESTONE.match(part)
        if not m:
            raise CellProblem(f"“{part.strip()}”应写成“年份：比较符 数值”，如 2024：≥78.2")
        comparator = (
            "~" if m.group(4) or m.group(2) == "左右" else COMPARATORS.get(m.group(2) or "")
        )
        out.append(
            MilestoneIn(year=int(m.group(1)), value=Decimal(m.group(3)), comparator=comparator)  # type: ignore[arg-type]
        )
    return out


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise CellProblem(f"“{text}”不是年份")
    return int(text)


async def import_rows(
    session: AsyncSession,
    principal: Principal,
    *,
    plan_id: str,
    rows: Sequence[SheetRow],
    dry_run: bool,
    mode: ImportMode,
    progress: Progress | None = None,
) -> ImportSummary:
    indicators = {
        i.code: i
        for i in (await session.scalars(select(Indicator).where(Indicator.plan_id == plan_id)))
    }
    outer = await session.begin_nested()
    seen: dict[tuple[str, str], int] = {}
    outcomes: list[RowOutcome] = []
    for r in rows:
        outcomes.append(await _import_row(session, principal, r, indicators, seen))
        report(progress, len(outcomes), len(rows))
    return await finish_import(outer, KIND, outcomes, dry_run=dry_run, mode=mode)


async def _import_row(
    session: AsyncSession,
    principal: Principal,
    r: SheetRow,
    indicators: dict[str, Indicator],
    seen: dict[tuple[str, str], int],
) -> RowOutcome:
    v = r.values
    key = f"{v.get('code') or '?'} · {v.get('scope') or '?'}"

    def fail(column: str, message: str) -> RowOutcome:
        return RowOutcome(
            row=r.number, key=key, action="error", errors=[_error(r.number, column, message)]
        )

    ind = indicators.get(v.get("code") or "")
    if ind is None:
        return fail("code", f"规划中没有编号为“{v.get('code') or ''}”的指标")
    if not can_write_region(principal, ind.region_code):
        return fail("code", f"只能修改本辖区（{principal.region_code}）规划的指标目标")
    scope = (v.get("scope") or "全部").strip()
    region_code = level = None
    if scope in LEVELS:
        level = LEVELS[scope]
    elif is_region_code(scope):
        if not contains(ind.region_code, scope):
            return fail("scope", f"区划 {scope} 不在该规划的范围 {ind.region_code} 内")
        region_code = scope
    elif scope != "全部":
        return fail("scope", "适用范围应为：全部、省级、市级、县级或六位区划代码")
    scope_key = service.scope_of(region_code, level)
    fields: dict[str, Any] = {"text": v.get("text")}
    parsers: dict[str, Any] = {
        "baseline_year": _year,
        "target_year": _year,
        "baseline_value": as_decimal,
        "value": as_decimal,
        "value_max": as_decimal,
        "kind": lambda t: as_choice(t, KINDS, "目标类型"),
        "comparator": lambda t: as_choice(t, COMPARATORS, "比较符"),
        "rule_unit": lambda t: as_choice(t, UNITS, "变化单位"),
        "milestones": _milestones,
    }
    for column, parse in parsers.items():
        try:
            fields[column] = parse(v.get(column))
        except CellProblem as exc:
            return fail(column, str(exc))
    try:
        create = TargetCreate.model_validate(
            {**fields, "indicator_id": ind.id, "region_code": region_code, "level": level}
        )
    except ValidationError as exc:
        e = exc.errors()[0]
        column = str(e["loc"][0]) if e["loc"] else "kind"
        return fail(column if column in parsers else "kind", e["msg"])
    if (ind.id, scope_key) in seen:
        return fail("scope", f"与第 {seen[(ind.id, scope_key)]} 行是同一指标和适用范围")
    seen[(ind.id, scope_key)] = r.number
    existing = await session.scalar(
        select(Target).where(Target.indicator_id == ind.id, Target.scope == scope_key)
    )
    try:
        async with session.begin_nested():
            if existing is None:
                await service.create(session, indicator=ind, data=create)
                return RowOutcome(row=r.number, key=key, action="create")
            changes: dict[str, list[str | None]] = {}
            update: dict[str, Any] = {}
            for field in _COMPARED:
                old, new = getattr(existing, field), getattr(create, field)
                if _norm(old) != _norm(new):
                    update[field] = new
                    changes[KIND.header_of(field)] = [_txt(old), _txt(new)]
            old_m = _milestones_text(existing.milestones)
            new_m = _milestones_text(
                [m.model_dump() for m in sorted(create.milestones, key=lambda m: m.year)]
            )
            if old_m != new_m:
                update["milestones"] = create.milestones
                changes["分年度目标"] = [old_m, new_m]
            action: Action = "unchanged"
            if update:
                await service.update(
                    session,
                    target=existing,
                    indicator=ind,
                    data=TargetUpdate.model_validate(update),
                    expected=existing.version,
                )
                action = "update"
            return RowOutcome(row=r.number, key=key, action=action, changes=changes)
    except Problem as exc:
        errors = [
            _error(r.number, f if (f := e.get("field", "")) in parsers else "kind", e["message"])
            for e in exc.errors or []
        ] or [_error(r.number, "kind", exc.detail or exc.title)]
        return RowOutcome(row=r.number, key=key, action="error", errors=errors)


def _norm(value: object) -> object:
    if isinstance(value, Decimal):
        return value.normalize()
    return value if value != "" else None


def _txt(value: object) -> str | None:
    if value is None:
        return None
    return plain(value) if isinstance(value, Decimal) else str(value)


async def _import(
    session: AsyncSession,
    principal: Principal,
    request: ImportRequest,
    rows: list[SheetRow],
    progress: Progress | None,
) -> ImportSummary:
    return await import_rows(
        session,
        principal,
        plan_id=str(request.params["plan_id"]),
        rows=rows,
        dry_run=request.dry_run,
        mode=request.mode,
        progress=progress,
    )


# What the import route runs, and the worker for a file too large for a request.
IMPORTER = SheetImporter(KIND, _import)
