"""Store a parsed plan's indicators and in-text targets (``dudao_shared.parsed_plan``).

The plan importer sends the parsed ``indicators`` and ``targets`` lists (validated against the
contract models at the route); the gold seed files load the same way through ``load_gold_file``.
Both go through the bulk route's service function, so they are all-or-nothing and idempotent
per (plan_id, code).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.errors import ValidationFailed
from dudao_shared.indicator_names import indicator_key, indicator_name, names_indicator
from dudao_shared.parsed_plan import IndicatorRow, Period, TextTarget

from .bulk import BulkIndicatorsIn, BulkResult, bulk_create
from .schemas import ParsedIndicatorsIn

# Growth rates may be negative or exceed 100 %.
_UNBOUNDED_WORDS = ("增速", "增长率", "增幅", "增长")
IN_TEXT_NATURE = "expected"
_INDICATORS = TypeAdapter(list[IndicatorRow])
_TARGETS = TypeAdapter(list[TextTarget])


def _indicator_row(row: IndicatorRow) -> dict[str, Any]:
    target = row.target.model_dump(exclude_unset=True)
    return {
        "seq": row.seq,
        "name": row.name,
        "domain": row.domain,
        "measure_unit": row.unit,
        "parent": row.parent,
        "nature": row.nature or IN_TEXT_NATURE,
        "baseline": row.baseline.model_dump(exclude_unset=True) or None,
        "target": {
            k: target[k]
            for k in ("year", "kind", "comparator", "value", "value_max", "unit", "implied", "text")
            if k in target
        }
        or None,
        "milestones": [
            m.model_dump(include={"year", "value", "comparator", "text"}, exclude_unset=True)
            for m in row.milestones
            if m.value is not None
        ],
        "allow_out_of_range": any(w in row.name for w in _UNBOUNDED_WORDS),
    }


def _target_row(
    row: TextTarget,
    *,
    code: str,
    item_ids: Mapping[str, str],
    default_target_year: int | None,
) -> dict[str, Any]:
    item = row.item
    name = indicator_name(row.name)
    return {
        "code": code,
        "name": name[:300],
        "measure_unit": row.unit,
        "item_id": item_ids.get(item) if item else None,
        "nature": IN_TEXT_NATURE,
        "target": {
            "year": row.year or default_target_year,
            "kind": "absolute",
            "comparator": row.comparator,
            "value": row.value,
            "value_max": row.value_max,
            "text": None,
        },
        "allow_out_of_range": any(w in name for w in _UNBOUNDED_WORDS),
    }


def _richer(a: TextTarget, b: TextTarget, default_year: int | None) -> bool:
    """Whether ``a`` states more of the indicator's target than ``b``: the later year (the plan's
    end when the text gives none), then the one with a unit and a range."""

    def rank(t: TextTarget) -> tuple[int, int, int]:
        year = t.year or default_year or 0
        return (year, t.unit is not None, t.value_max is not None)

    return rank(a) > rank(b)


def _in_table(key: str, table_keys: set[str]) -> bool:
    """Whether the text names a row of the plan's indicator table: the same name, or the row's
    name without its qualifier (适龄儿童免疫规划疫苗接种率 is the row
    以乡（镇、街道）为单位适龄儿童免疫规划疫苗接种率) when no other row ends the same way."""
    if key in table_keys:
        return True
    # Short endings (死亡率) are shared by many rows and name none of them.
    return len(key) >= 6 and sum(1 for k in table_keys if k.endswith(key)) == 1


def _in_text_indicators(
    parsed_targets: Sequence[TextTarget],
    table_keys: set[str],
    default_target_year: int | None,
) -> list[tuple[str, TextTarget, list[TextTarget]]]:
    """The in-text targets that are indicators, one per indicator: (code, the target kept,
    the earlier milestones). A target whose words name no indicator (全市, 确保把, 市级老年医院)
    stays a target of its task and makes no indicator; a mention of a table row is that row;
    repeats of one indicator (托位数 3.5 in 2023, 4.0 in 2024, 4.5 in 2025) are one indicator
    with the richest target and the others as milestones."""
    per_item: dict[str, int] = {}
    groups: dict[str, tuple[str, list[TextTarget]]] = {}
    for t in parsed_targets:
        # Codes stay those of the target's place in its task, whatever is merged away.
        where = t.item or "目标"
        per_item[where] = per_item.get(where, 0) + 1
        if not names_indicator(t.name):
            continue
        key = indicator_key(t.name)
        if _in_table(key, table_keys):
            continue
        code = f"{where}#{per_item[where]}"[:64]
        groups.setdefault(key, (code, []))[1].append(t)
    out = []
    for code, members in groups.values():
        kept = members[0]
        for t in members[1:]:
            if _richer(t, kept, default_target_year):
                kept = t
        by_year: dict[int, TextTarget] = {}
        last = kept.year or default_target_year
        for t in members:
            if t is not kept and t.year is not None and (last is None or t.year < last):
                by_year.setdefault(t.year, t)
        out.append((code, kept, [by_year[y] for y in sorted(by_year)]))
    return out


def bulk_body_from_parsed(
    *,
    plan_id: str,
    region_code: str,
    parsed_indicators: Sequence[IndicatorRow] = (),
    parsed_targets: Sequence[TextTarget] = (),
    item_ids: Mapping[str, str] | None = None,
    default_target_year: int | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /api/v1/indicators/bulk`` for a parsed plan (for callers that
    reach this service over HTTP); the mapping is the one ``load_parsed_indicators`` applies."""
    item_ids = item_ids or {}
    rows = [_indicator_row(r) for r in parsed_indicators]
    table_keys = {indicator_key(r.name) for r in parsed_indicators}
    for code, kept, earlier in _in_text_indicators(parsed_targets, table_keys, default_target_year):
        row = _target_row(
            kept, code=code, item_ids=item_ids, default_target_year=default_target_year
        )
        row["milestones"] = [
            {"year": t.year, "value": t.value, "comparator": t.comparator} for t in earlier
        ]
        rows.append(row)
    return {"plan_id": plan_id, "region_code": region_code, "indicators": rows}


async def load_parsed_indicators(
    session: AsyncSession,
    *,
    plan_id: str,
    region_code: str,
    parsed_indicators: Sequence[IndicatorRow] = (),
    parsed_targets: Sequence[TextTarget] = (),
    item_ids: Mapping[str, str] | None = None,
    default_target_year: int | None = None,
) -> BulkResult:
    """Store a parsed plan's indicator table rows and in-text targets as indicators.

    - ``parsed_indicators``: the parsed form's ``indicators`` (table rows). Codes are the
      printed ``seq``; a ``其中`` row gets ``<parent seq>.<n>``.
    - ``parsed_targets``: the parsed form's ``targets``. Each becomes an indicator coded
      ``<item code>#<n>`` (``目标#<n>`` for the goals part), with ``item_id`` looked up in
      ``item_ids`` (item code → the task service's item id), nature ``expected`` (plans do not
      state it in running text) and ``default_target_year`` (the plan's end year) when the
      text gives no year.
    - Direction follows the bulk rules (comparator, else the words of the target).
    Flushes only; the caller's transaction commits or rolls back the whole load.
    """
    body = bulk_body_from_parsed(
        plan_id=plan_id,
        region_code=region_code,
        parsed_indicators=parsed_indicators,
        parsed_targets=parsed_targets,
        item_ids=item_ids,
        default_target_year=default_target_year,
    )
    if not body["indicators"]:
        return BulkResult(plan_id=plan_id, created=0, unchanged=0, items=[])
    return await bulk_create(session, data=BulkIndicatorsIn.model_validate(body))


async def load_gold_file(
    session: AsyncSession,
    path: str | Path,
    *,
    plan_id: str,
    region_code: str,
    include_targets: bool = False,
) -> BulkResult:
    """Load a gold parsed-plan JSON file (``tests/importer/gold/*.json``): its indicator table,
    and with ``include_targets`` its in-text targets too."""
    # Gold files may list several acceptable document values, so only the parts read here are
    # held to the contract.
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    period = Period.model_validate((doc.get("document") or {}).get("period") or {})
    return await load_parsed_indicators(
        session,
        plan_id=plan_id,
        region_code=region_code,
        parsed_indicators=_INDICATORS.validate_python(doc.get("indicators") or []),
        parsed_targets=_TARGETS.validate_python(doc.get("targets") or [])
        if include_targets
        else [],
        default_target_year=period.end,
    )


async def import_parsed(session: AsyncSession, *, data: ParsedIndicatorsIn) -> BulkResult:
    """``POST /indicators/parsed``: the parsed form mapped to the bulk form and stored; a
    mapped row the bulk rules refuse is the caller's input, named field by field."""
    body = bulk_body_from_parsed(
        plan_id=data.plan_id,
        region_code=data.region_code,
        parsed_indicators=data.indicators,
        parsed_targets=data.targets,
        item_ids=data.item_ids,
        default_target_year=data.default_target_year,
    )
    # A plan whose targets all stay targets of their tasks has no indicator to store.
    if not body["indicators"]:
        return BulkResult(plan_id=data.plan_id, created=0, unchanged=0, items=[])
    try:
        checked = BulkIndicatorsIn.model_validate(body)
    except PydanticValidationError as exc:
        raise ValidationFailed(
            "解析结果中的指标数据有误",
            errors=[
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()[:50]
            ],
        ) from None
    return await bulk_create(session, data=checked)
