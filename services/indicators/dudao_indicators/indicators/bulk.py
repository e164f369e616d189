"""Bulk creation of a plan's indicators with their targets: the plan importer's entry point.

All or nothing (one transaction, the request's), idempotent per (plan_id, code): a row whose
code exists with the same content is reported ``unchanged``; with different content the whole
batch is refused with 409. Accepts the parsed-plan indicator form (``shared/specs/parsed-plan.md``).

Direction is never defaulted: taken from ``direction`` when given (``explicit``), else derived
from the target's comparator (``>=``/``>`` → higher_is_better, ``<=``/``<`` → lower_is_better,
``~``/``=``/``between`` → band; ``comparator``), else for a relative rule from its sign, else
from the words of a qualitative target (提高/增长/提升/增加 → higher, 降低/下降/减少 → lower;
``text``). A row for which none applies is a 422 naming ``indicators.<i>.direction``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from dudao_shared.errors import Conflict, ValidationFailed
from dudao_shared.regions import RegionCode

from ..common import DecimalIn
from ..models import Indicator, Target
from ..targets import service as targets_service
from ..targets.schemas import Comparator, Kind, LevelName, Year
from .schemas import Aggregation, Direction, Nature

NATURES: dict[str, str] = {
    "预期性": "expected",
    "约束性": "binding",
    "倡导性": "advocated",
    "expected": "expected",
    "binding": "binding",
    "advocated": "advocated",
}
RULE_UNITS: dict[str, str] = {
    "%": "%",
    "％": "%",
    "百分点": "百分点",
    "个百分点": "百分点",
    "pp": "百分点",
}
HIGHER_WORDS = ("提高", "增长", "提升", "增加", "扩大")
LOWER_WORDS = ("降低", "下降", "减少", "减小", "控制")


class BulkBaseline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Year | None = Field(None, description="基期年份")
    value: DecimalIn | None = Field(None, description="基期值（原文为“—”时为空）")


class BulkMilestone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Year
    value: DecimalIn
    comparator: Comparator | None = None
    text: str | None = Field(None, max_length=200)


class BulkTarget(BaseModel):
    """The parsed-plan target form."""

    model_config = ConfigDict(extra="forbid")

    year: Year | None = Field(None, description="目标年份")
    kind: Kind = Field("absolute", description="absolute、relative、annual_change、qualitative")
    comparator: Comparator | None = None
    value: DecimalIn | None = None
    value_max: DecimalIn | None = None
    unit: str | None = Field(
        None, max_length=20, description="相对/每年变化目标的单位：% 或 百分点"
    )
    tolerance: Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)] | None = None
    implied: bool = False
    text: str | None = Field(None, max_length=500)


class BulkLevelTarget(BulkTarget):
    """A different target for one level or region (省级 1.3，市级和县级 1.1)."""

    level: LevelName | None = None
    region_code: RegionCode | None = None
    baseline: BulkBaseline | None = None


class BulkIndicator(BaseModel):
    # measure_unit also reads the parsed form's "unit" (AliasChoices).
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    code: str | None = Field(
        None,
        max_length=64,
        description="规划内编号；缺省时取 seq，“其中”行取 <上级编号>.<序号>，否则 X<行号>",
    )
    seq: str | None = Field(None, max_length=16)
    name: str = Field(min_length=1, max_length=300)
    domain: str | None = Field(None, max_length=100)
    measure_unit: str | None = Field(
        None,
        max_length=30,
        validation_alias=AliasChoices("measure_unit", "unit"),
        description="计量单位（解析格式中的 unit）",
    )
    parent: str | None = Field(None, max_length=300, description="上级指标名称（“其中”行）")
    item_id: str | None = Field(None, max_length=64, description="目标所在条目（正文中的目标）")
    nature: str = Field(
        max_length=10, description="预期性/约束性/倡导性 或 expected/binding/advocated"
    )
    direction: Direction | None = Field(None, description="缺省时按比较符推定，见 direction_source")
    baseline: BulkBaseline | None = None
    target: BulkTarget | None = None
    milestones: list[BulkMilestone] = Field(default_factory=list, max_length=50)
    level_targets: list[BulkLevelTarget] = Field(default_factory=list, max_length=50)
    definition: str | None = Field(None, max_length=4000)
    numerator: str | None = Field(None, max_length=500)
    denominator: str | None = Field(None, max_length=500)
    factor: DecimalIn | None = None
    aggregation: Aggregation = "none"
    allow_out_of_range: bool = False
    limit_value: DecimalIn | None = None

    @field_validator("nature")
    @classmethod
    def _nature(cls, v: str) -> str:
        if v not in NATURES:
            raise ValueError("应为 预期性、约束性、倡导性（或 expected、binding、advocated）")
        return NATURES[v]


class BulkIndicatorsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: str = Field(min_length=1, max_length=64, description="规划")
    region_code: RegionCode = Field(description="规划所属行政区划")
    indicators: list[BulkIndicator] = Field(min_length=1, max_length=2000)


class BulkItemResult(BaseModel):
    code: str
    id: str
    name: str
    status: Literal["created", "unchanged"]
    direction: Direction
    direction_source: str
    nature: Nature


class BulkResult(BaseModel):
    plan_id: str
    created: int
    unchanged: int
    items: list[BulkItemResult]


class BulkConflict(Conflict):
    code, title = "indicator_bulk_conflict", "批量导入与已有指标冲突"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


def derive_direction(item: BulkIndicator, field: str) -> tuple[str, str]:
    if item.direction is not None:
        return item.direction, "explicit"
    t = item.target
    if t is not None:
        if t.comparator in {">=", ">"}:
            return "higher_is_better", "comparator"
        if t.comparator in {"<=", "<"}:
            return "lower_is_better", "comparator"
        if t.comparator in {"~", "=", "between"}:
            return "band", "comparator"
        if t.kind in {"relative", "annual_change"} and t.value:
            return ("higher_is_better" if t.value > 0 else "lower_is_better"), "comparator"
        words = t.text or ""
        if any(w in words for w in HIGHER_WORDS):
            return "higher_is_better", "text"
        if any(w in words for w in LOWER_WORDS):
            return "lower_is_better", "text"
    raise _invalid(field, f"“{item.name}”的方向无法由比较符推定，请明确给出 direction")


def _rule_unit(t: BulkTarget, field: str) -> str | None:
    if t.kind not in {"relative", "annual_change"}:
        return None
    if t.unit is None:
        return "%" if t.kind == "relative" else "百分点"
    unit = RULE_UNITS.get(t.unit.strip())
    if unit is None:
        raise _invalid(field, f"相对目标的单位应为 % 或 百分点（收到 {t.unit}）")
    return unit


class _TargetData:
    """The shape ``targets_service.build`` reads."""

    def __init__(
        self,
        t: BulkTarget,
        baseline: BulkBaseline | None,
        milestones: list[BulkMilestone],
        rule_unit: str | None,
        region_code: str | None = None,
        level: str | None = None,
    ) -> None:
        self.region_code = region_code
        self.level = level
        self.baseline_year = baseline.year if baseline else None
        self.baseline_value = baseline.value if baseline else None
        self.target_year = t.year
        self.kind = t.kind
        self.comparator = t.comparator
        self.value = t.value
        self.value_max = t.value_max
        self.rule_unit = rule_unit
        self.tolerance = t.tolerance
        self.implied = t.implied
        self.text = t.text
        self.milestones = milestones


def _fingerprint_indicator(ind: Indicator, parent_code: str | None) -> dict[str, Any]:
    return {
        "name": ind.name,
        "seq": ind.seq,
        "domain": ind.domain,
        "measure_unit": ind.measure_unit,
        "direction": ind.direction,
        "nature": ind.nature,
        "item_id": ind.item_id,
        "parent": parent_code,
    }


def _fingerprint_target(t: Target) -> dict[str, Any]:
    def d(v: Any) -> str | None:
        return None if v is None else str(Decimal(str(v)).normalize())

    return {
        "scope": t.scope,
        "kind": t.kind,
        "comparator": t.comparator,
        "value": d(t.value),
        "value_max": d(t.value_max),
        "baseline_year": t.baseline_year,
        "baseline_value": d(t.baseline_value),
        "target_year": t.target_year,
        "rule_unit": t.rule_unit,
        "milestones": [(int(m["year"]), d(m["value"])) for m in t.milestones],
    }


async def bulk_create(session: AsyncSession, *, data: BulkIndicatorsIn) -> BulkResult:
    existing = {
        i.code: i
        for i in (
            await session.scalars(select(Indicator).where(Indicator.plan_id == data.plan_id))
        ).all()
    }
    existing_by_id = {i.id: i for i in existing.values()}
    existing_targets: dict[str, list[Target]] = {}
    if existing:
        for t in (
            await session.scalars(select(Target).where(Target.plan_id == data.plan_id))
        ).all():
            existing_targets.setdefault(t.indicator_id, []).append(t)

    by_name: dict[str, str] = {}  # name → code, within the batch then the plan
    for ind in existing.values():
        by_name.setdefault(ind.name, ind.code)
    sub_counter: dict[str, int] = {}
    seen: set[str] = set()
    planned: list[tuple[int, BulkIndicator, Indicator, list[Target], str | None]] = []
    conflicts: list[str] = []

    for i, item in enumerate(data.indicators):
        f = f"indicators.{i}"
        parent_code = None
        if item.parent is not None:
            parent_code = by_name.get(item.parent)
            if parent_code is None:
                raise _invalid(
                    f"{f}.parent", f"找不到上级指标“{item.parent}”（须在其“其中”行之前）"
                )
        code = item.code
        if code is None:
            if item.seq:
                code = item.seq
            elif parent_code is not None:
                sub_counter[parent_code] = sub_counter.get(parent_code, 0) + 1
                code = f"{parent_code}.{sub_counter[parent_code]}"
            else:
                code = f"X{i + 1}"
        if code in seen:
            raise _invalid(f"{f}.code", f"批量数据中编号 {code} 重复")
        seen.add(code)
        by_name.setdefault(item.name, code)
        direction, source = derive_direction(item, f"{f}.direction")
        ind = Indicator(
            plan_id=data.plan_id,
            region_code=data.region_code,
            code=code,
            seq=item.seq,
            position=i + 1,
            name=item.name,
            domain=item.domain,
            measure_unit=item.measure_unit,
            item_id=item.item_id,
            direction=direction,
            direction_source=source,
            nature=item.nature,
            definition=item.definition,
            numerator=item.numerator,
            denominator=item.denominator,
            factor=item.factor,
            aggregation=item.aggregation,
            allow_out_of_range=item.allow_out_of_range,
            limit_value=item.limit_value,
        )
        targets: list[Target] = []
        if item.target is not None:
            td = _TargetData(
                item.target,
                item.baseline,
                item.milestones,
                _rule_unit(item.target, f"{f}.target.unit"),
            )
            targets.append(targets_service.build(indicator=ind, data=td, prefix=f"{f}.target."))
        for k, lt in enumerate(item.level_targets):
            if not lt.level and not lt.region_code:
                raise _invalid(
                    f"{f}.level_targets.{k}.level", "分级目标须给出 level 或 region_code"
                )
            td = _TargetData(
                lt,
                lt.baseline or item.baseline,
                [],
                _rule_unit(lt, f"{f}.level_targets.{k}.unit"),
                region_code=lt.region_code,
                level=lt.level,
            )
            targets.append(
                targets_service.build(indicator=ind, data=td, prefix=f"{f}.level_targets.{k}.")
            )
        if len({t.scope for t in targets}) != len(targets):
            raise _invalid(f"{f}.level_targets", "同一范围的目标重复")
        old = existing.get(code)
        if old is not None:
            old_parent = (
                existing_by_id[old.parent_id].code if old.parent_id in existing_by_id else None
            )
            same = _fingerprint_indicator(old, old_parent) == _fingerprint_indicator(
                ind, parent_code
            )
            old_t = sorted(
                (_fingerprint_target(t) for t in existing_targets.get(old.id, [])),
                key=lambda x: x["scope"],
            )
            new_t = sorted((_fingerprint_target(t) for t in targets), key=lambda x: x["scope"])
            if not (same and old_t == new_t):
                conflicts.append(code)
            planned.append((i, item, old, [], parent_code))
        else:
            planned.append((i, item, ind, targets, parent_code))
    if conflicts:
        raise BulkConflict(
            f"以下编号的指标已存在且内容不同，未写入任何数据：{'、'.join(conflicts[:20])}"
        )

    created: list[str] = []
    code_to_id = {c: ind.id for c, ind in existing.items()}
    for _, _, ind, _, _ in planned:
        if ind.code in existing:
            continue
        session.add(ind)
        created.append(ind.code)
    await session.flush()
    code_to_id.update({ind.code: ind.id for _, _, ind, _, _ in planned})
    for _, _, ind, targets, parent_code in planned:
        if ind.code in existing:
            continue
        if parent_code is not None:
            ind.parent_id = code_to_id[parent_code]
        for t in targets:
            t.indicator_id = ind.id
            session.add(t)
    await session.flush()
    return BulkResult(
        plan_id=data.plan_id,
        created=len(created),
        unchanged=len(planned) - len(created),
        items=[
            BulkItemResult(
                code=ind.code,
                id=ind.id,
                name=ind.name,
                status="unchanged" if ind.code in existing else "created",
                direction=ind.direction,  # type: ignore[arg-type]
                direction_source=ind.direction_source,
                nature=ind.nature,  # type: ignore[arg-type]
            )
            for _, _, ind, _, _ in planned
        ],
    )
