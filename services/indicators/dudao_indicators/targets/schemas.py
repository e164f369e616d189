from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dudao_shared.decimals import DecimalNumber
from dudao_shared.regions import RegionCode

from ..common import DecimalIn
from ..models import Target

Kind = Literal["absolute", "relative", "annual_change", "qualitative"]
Comparator = Literal[">=", "<=", "~", "=", "between", ">", "<"]
RuleUnit = Literal["%", "百分点"]
LevelName = Literal["province", "city", "county"]
Year = Annotated[int, Field(ge=1949, le=2100)]

_KIND = (
    "目标类型：absolute 绝对值（配合比较符），relative 相对基期（百分比或百分点），"
    "annual_change 每年变化，qualitative 仅文字"
)


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Year = Field(description="年度")
    value: DecimalIn = Field(description="该年度应达到的值")
    comparator: Comparator | None = Field(None, description="比较符")
    text: str | None = Field(None, max_length=200, description="原文")


class MilestoneRead(BaseModel):
    year: int
    value: DecimalNumber
    comparator: str | None = None
    text: str | None = None


class TargetFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    baseline_year: Year | None = Field(None, description="基期年份")
    baseline_value: DecimalIn | None = Field(None, description="基期值（原文为“—”时为空）")
    target_year: Year | None = Field(None, description="目标年份")
    kind: Kind = Field(description=_KIND)
    comparator: Comparator | None = Field(
        None, description="比较符：>= 以上，<= 以下，~ 左右，=，between 区间，> 或 <"
    )
    value: DecimalIn | None = Field(
        None,
        description="目标值；相对目标为变化量（30 表示增长30%），每年变化为每年的变化量（-0.5）",
    )
    value_max: DecimalIn | None = Field(None, description="区间目标的上限（between）")
    rule_unit: RuleUnit | None = Field(None, description="相对或每年变化目标的单位：% 或 百分点")
    tolerance: Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)] | None = Field(
        None, description="“左右”的相对容差（默认 0.05）"
    )
    implied: bool = Field(False, description="原文未写比较符，由指标含义推定")
    text: str | None = Field(None, max_length=500, description="目标原文")
    milestones: list[MilestoneIn] = Field(
        default_factory=list, max_length=50, description="分年度目标"
    )


class TargetCreate(TargetFields):
    indicator_id: str = Field(max_length=36, description="指标标识")
    region_code: RegionCode | None = Field(None, description="仅适用于此区划（与 level 二选一）")
    level: LevelName | None = Field(
        None, description="仅适用于此层级：province 省级，city 市级，county 县级"
    )


class TargetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    baseline_year: Year | None = None
    baseline_value: DecimalIn | None = None
    target_year: Year | None = None
    kind: Kind | None = None
    comparator: Comparator | None = None
    value: DecimalIn | None = None
    value_max: DecimalIn | None = None
    rule_unit: RuleUnit | None = None
    tolerance: Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)] | None = None
    implied: bool | None = None
    text: str | None = Field(None, max_length=500)
    milestones: list[MilestoneIn] | None = Field(None, max_length=50)


class TargetRead(BaseModel):
    id: str
    indicator_id: str
    plan_id: str
    scope: str = Field(description="适用范围：all，level:city，region:360900")
    region_code: str | None
    level: str | None
    baseline_year: int | None
    baseline_value: DecimalNumber | None
    target_year: int | None
    kind: Kind
    comparator: str | None
    value: DecimalNumber | None
    value_max: DecimalNumber | None
    rule_unit: str | None
    tolerance: DecimalNumber | None
    resolved_value: DecimalNumber | None = Field(
        description="换算后的目标值（相对目标按基期值换算）"
    )
    implied: bool
    text: str | None
    milestones: list[MilestoneRead]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: Target) -> TargetRead:
        data = {k: getattr(t, k) for k in cls.model_fields if k != "milestones"}
        data["milestones"] = [MilestoneRead(**m) for m in t.milestones]
        return cls(**data)
