from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dudao_shared.decimals import DecimalNumber
from dudao_shared.parsed_plan import IndicatorRow, TextTarget
from dudao_shared.regions import RegionCode

from ..common import DecimalIn

Direction = Literal["higher_is_better", "lower_is_better", "band"]
Nature = Literal["expected", "binding", "advocated"]
Aggregation = Literal["none", "sum", "ratio"]
Ratio = Annotated[Decimal, Field(ge=-10, le=10, max_digits=8, decimal_places=4)]

_DIRECTION = "方向：higher_is_better 越高越好，lower_is_better 越低越好，band 保持在区间（左右）"
_NATURE = "指标性质：expected 预期性，binding 约束性，advocated 倡导性"


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IndicatorFields(_Base):
    item_id: str | None = Field(None, max_length=64, description="来源条目（任务服务中的条目标识）")
    seq: str | None = Field(None, max_length=16, description="指标表中的序号（其中项为空）")
    position: int = Field(0, ge=0, le=100000, description="在指标表中的排列顺序")
    name: str = Field(min_length=1, max_length=300, description="指标名称")
    domain: str | None = Field(None, max_length=100, description="领域，如 健康水平")
    measure_unit: str | None = Field(
        None, max_length=30, description="计量单位：%、‰、/10万、张、人、岁 …"
    )
    definition: str | None = Field(None, max_length=4000, description="指标定义")
    numerator: str | None = Field(None, max_length=500, description="分子的定义")
    denominator: str | None = Field(None, max_length=500, description="分母的定义")
    factor: DecimalIn | None = Field(None, description="倍数：100 为百分比，1000 为千分比")
    aggregation: Aggregation = Field(
        "none",
        description="区划汇总方式：sum 可加（下级相加），ratio 分子分母分别相加再相除，none 不汇总",
    )
    parent_id: str | None = Field(None, max_length=36, description="上级指标（“其中”项）")
    allow_out_of_range: bool = Field(
        False, description="允许超出计量单位的常规范围（如增速可为负、可超过100%）"
    )
    limit_value: DecimalIn | None = Field(None, description="自然上限（如 100%），用于无目标指标")
    threshold_on_track: Ratio = Field(Decimal("0.95"), description="R 不低于此值为进度正常")
    threshold_moderate: Ratio = Field(Decimal("0.60"), description="R 不低于此值为进度稍滞后")
    threshold_regress: Ratio = Field(Decimal("0"), description="R 低于此值为倒退")


class IndicatorCreate(IndicatorFields):
    plan_id: str = Field(
        min_length=1, max_length=64, description="所属规划（任务服务中的规划标识）"
    )
    region_code: RegionCode = Field(description="规划所属行政区划代码")
    code: str = Field(min_length=1, max_length=64, description="规划内唯一的指标编号")
    direction: Direction = Field(description=_DIRECTION)
    nature: Nature = Field(description=_NATURE)


class IndicatorUpdate(_Base):
    item_id: str | None = Field(None, max_length=64)
    code: str | None = Field(None, min_length=1, max_length=64)
    seq: str | None = Field(None, max_length=16)
    position: int | None = Field(None, ge=0, le=100000)
    name: str | None = Field(None, min_length=1, max_length=300)
    domain: str | None = Field(None, max_length=100)
    measure_unit: str | None = Field(None, max_length=30)
    direction: Direction | None = Field(None, description=_DIRECTION)
    nature: Nature | None = Field(None, description=_NATURE)
    definition: str | None = Field(None, max_length=4000)
    numerator: str | None = Field(None, max_length=500)
    denominator: str | None = Field(None, max_length=500)
    factor: DecimalIn | None = None
    aggregation: Aggregation | None = None
    parent_id: str | None = Field(None, max_length=36)
    allow_out_of_range: bool | None = None
    limit_value: DecimalIn | None = None
    threshold_on_track: Ratio | None = None
    threshold_moderate: Ratio | None = None
    threshold_regress: Ratio | None = None


class IndicatorRead(BaseModel):
    id: str
    plan_id: str
    item_id: str | None
    region_code: str
    code: str
    seq: str | None
    position: int
    name: str
    domain: str | None
    measure_unit: str | None
    direction: Direction
    direction_source: str = Field(
        description="方向的来源：explicit 明确给出，comparator 由比较符推定，text 由目标文字推定"
    )
    nature: Nature
    definition: str | None
    numerator: str | None
    denominator: str | None
    factor: DecimalNumber | None
    aggregation: Aggregation
    parent_id: str | None
    allow_out_of_range: bool
    limit_value: DecimalNumber | None
    threshold_on_track: DecimalNumber
    threshold_moderate: DecimalNumber
    threshold_regress: DecimalNumber
    version: int
    created_at: datetime
    updated_at: datetime


class ParsedIndicatorsIn(BaseModel):
    """A parsed plan's indicator table and in-text targets, as the plan importer sends them."""

    model_config = ConfigDict(extra="forbid")

    plan_id: str = Field(min_length=1, max_length=64, description="规划")
    region_code: str = Field(pattern=r"^\d{6}$", description="规划所属行政区划")
    indicators: list[IndicatorRow] = Field(
        default_factory=list, max_length=2000, description="解析出的主要指标表行"
    )
    targets: list[TextTarget] = Field(
        default_factory=list, max_length=5000, description="解析出的正文目标"
    )
    item_ids: dict[str, str] = Field(
        default_factory=dict, description="条目编号 → 任务服务中的条目标识"
    )
    default_target_year: int | None = Field(
        None, ge=1949, le=2100, description="未写年份的目标所属年份"
    )
