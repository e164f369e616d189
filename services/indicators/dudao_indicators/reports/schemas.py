from __future__ import annotations

from pydantic import BaseModel, Field

from dudao_shared.decimals import DecimalNumber

from ..assessments.schemas import AssessmentRead
from ..indicators.schemas import IndicatorRead
from ..targets.schemas import TargetRead


class StatusSummary(BaseModel):
    counts: dict[str, int] = Field(description="各状态的个数")
    total: int
    assessed: int = Field(description="参与均分的个数（不含数据不足）")
    mean_score: DecimalNumber | None = Field(description="平均分（−5…5），不含数据不足")
    status: str = Field(description="由平均分换算的汇总状态；全部达标才为 achieved")


class ScorecardRow(BaseModel):
    indicator_id: str
    code: str
    seq: str | None
    name: str
    domain: str | None
    measure_unit: str | None
    nature: str
    direction: str
    parent_id: str | None
    baseline_year: int | None
    baseline_value: DecimalNumber | None
    target_text: str | None
    target_kind: str | None
    target_year: int | None
    target_value: DecimalNumber | None
    latest_period: str | None
    latest_value: DecimalNumber | None
    status: str
    status_zh: str
    score: DecimalNumber | None
    method: str | None
    ratio: DecimalNumber | None
    reasons: list[str]
    assessment_id: str | None


class Scorecard(BaseModel):
    plan_id: str
    region_code: str
    rows: list[ScorecardRow]
    summary: StatusSummary


class RollupGroup(StatusSummary):
    key: str | None = Field(description="分组值（领域、区划或指标性质）")


class Rollup(BaseModel):
    plan_id: str
    region_code: str
    by: str
    groups: list[RollupGroup]
    total: StatusSummary


class RegionPart(BaseModel):
    region_code: str
    value: DecimalNumber | None
    numerator: DecimalNumber | None = None
    denominator: DecimalNumber | None = None
    source: str = Field(description="measured 直接填报，computed 由下级汇总")


class RegionTotal(BaseModel):
    indicator_id: str
    region_code: str
    period: str
    method: str = Field(description="sum 相加，ratio 分子分母分别相加后相除")
    value: DecimalNumber | None = Field(description="由下级汇总得到的值")
    numerator: DecimalNumber | None = None
    denominator: DecimalNumber | None = None
    measured_value: DecimalNumber | None = Field(description="本区划直接填报的值（如有）")
    children: list[RegionPart]


class SeriesPoint(BaseModel):
    period: str
    time: float = Field(description="在年轴上的位置（季度、月度为年内比例）")
    value: DecimalNumber
    status: str


class YearValue(BaseModel):
    year: int
    value: DecimalNumber


class BaselineRead(BaseModel):
    year: float
    value: DecimalNumber
    source: str | None = Field(
        description=(
            "target 目标中给出，measured_base_year 基期年监测值，first_measurement 首个监测值"
        )
    )


class Series(BaseModel):
    indicator: IndicatorRead
    region_code: str
    target: TargetRead | None
    baseline: BaselineRead | None
    points: list[SeriesPoint]
    milestones: list[YearValue]
    trajectory: list[YearValue] = Field(description="从基期到目标年的预期轨迹")
    assessment: AssessmentRead | None


class ChildRegionValue(BaseModel):
    region_code: str
    region_name: str
    status: str = Field(
        description="reported 已报送；not_reported 有对应指标但该期未报送；"
        "no_indicator 下级规划中没有同名同单位的指标；no_plan 没有下级规划"
    )
    plan_ids: list[str] = Field(description="该区划的下级规划")
    indicator_id: str | None = Field(None, description="下级规划中对应的指标")
    value: DecimalNumber | None = None
    numerator: DecimalNumber | None = None
    denominator: DecimalNumber | None = None


class LevelRollup(BaseModel):
    """A plan's indicator with its child regions' plans rolled up for one period."""

    indicator_id: str
    plan_id: str
    region_code: str
    period: str
    method: str = Field(
        description="sum 相加（可加的数量指标）；weighted 按分母加权平均（率类指标，各报送区划都有"
        "分母时）；mean 简单平均（其他情况，未加权，见 unweighted）；none 无报送"
    )
    unweighted: bool = Field(description="是否为未加权的简单平均（仅供参考，不等于全辖区的值）")
    rule: str = Field(description="本次汇总所用规则的说明")
    value: DecimalNumber | None = Field(description="汇总值；无下级报送时为空（从不推算）")
    measured_value: DecimalNumber | None = Field(description="本级直接填报的值（如有）")
    reported: list[str] = Field(description="已报送的下级区划")
    missing: list[str] = Field(description="未报送的下级区划（含没有指标或规划的）")
    children: list[ChildRegionValue]
