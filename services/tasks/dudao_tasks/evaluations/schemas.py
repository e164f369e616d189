"""The evaluation contract: what is asked for, the snapshot it finds, and how it is read."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dudao_shared.regions import RegionCode

EvaluationKind = Literal["annual", "midterm", "final", "custom"]
KIND_ZH = {"annual": "年度考核", "midterm": "中期评估", "final": "终期评估"}

# How a task (or a unit's part in it) stands at the evaluation date; each counts in exactly
# one outcome, taken in this order.
OUTCOMES = ("on_time", "late", "returned", "overdue", "not_started", "in_progress")
OUTCOME_ZH = {
    "on_time": "按时完成",
    "late": "逾期完成",
    "returned": "被退回",
    "overdue": "逾期未完成",
    "not_started": "未启动",
    "in_progress": "推进中",
}
NATURE_ORDER = ("binding", "expected", "advocated")
NATURE_ZH = {"binding": "约束性", "expected": "预期性", "advocated": "倡导性"}
INDICATOR_STATUSES = (
    "achieved",
    "on_track",
    "moderately_off_track",
    "off_track",
    "regressing",
    "not_achieved",
    "insufficient_data",
)
INDICATOR_STATUS_ZH = {
    "achieved": "已达标",
    "on_track": "进展顺利",
    "moderately_off_track": "略有滞后",
    "off_track": "明显滞后",
    "regressing": "出现倒退",
    "not_achieved": "到期未达标",
    "insufficient_data": "数据不足",
}


class ScoringRule(BaseModel):
    """How units and regions are ranked (stored with each evaluation, so an issued ranking can
    always be explained).

    A unit's score is the weighted mean of the points of its assignments, each assignment's
    points being ``task_points[outcome]`` and its weight ``lead_weight`` when the unit leads
    the task, else ``co_weight``. A region's score is the mean of ``indicator_points[status]``
    over its assessed indicators (数据不足 is left out and shown beside the score). Ties rank
    alike and are listed by name."""

    model_config = ConfigDict(extra="forbid")

    task_points: dict[str, float] = Field(
        default_factory=lambda: {
            "on_time": 100.0,
            "late": 80,
            "in_progress": 60,
            "not_started": 40,
            "returned": 30,
            "overdue": 0,
        },
        description="各完成情况的得分（0–100）",
    )
    lead_weight: float = Field(2, ge=0, le=100, description="牵头任务的权重")
    co_weight: float = Field(1, ge=0, le=100, description="配合任务的权重")
    indicator_points: dict[str, float] = Field(
        default_factory=lambda: {
            "achieved": 100.0,
            "on_track": 90,
            "moderately_off_track": 60,
            "off_track": 30,
            "regressing": 0,
            "not_achieved": 0,
        },
        description="各指标状态的得分（0–100）",
    )

    @model_validator(mode="after")
    def _complete(self) -> Self:
        missing = [o for o in OUTCOMES if o not in self.task_points]
        extra = [o for o in self.task_points if o not in OUTCOMES]
        if missing or extra:
            raise ValueError(f"task_points 须且仅须给出 {', '.join(OUTCOMES)} 的得分")
        bad = [k for k in self.indicator_points if k not in INDICATOR_STATUSES]
        if bad:
            raise ValueError(f"indicator_points 中的状态未知：{', '.join(bad)}")
        for v in [*self.task_points.values(), *self.indicator_points.values()]:
            if not 0 <= v <= 100:
                raise ValueError("得分须在 0 到 100 之间")
        if self.lead_weight == 0 and self.co_weight == 0:
            raise ValueError("牵头与配合的权重不能都为 0")
        return self


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: uuid.UUID | None = Field(None, description="评估的规划（与 region_code 二选一）")
    region_code: RegionCode | None = Field(
        None, description="评估该区划的全部规划（与 plan_id 二选一）"
    )
    kind: EvaluationKind = Field(
        description="annual 年度考核、midterm 中期评估、final 终期评估、custom 自定义"
    )
    kind_label: str | None = Field(
        None, min_length=1, max_length=50, description="自定义类型的名称"
    )
    as_of: dt.date | None = Field(None, description="评估基准日（默认今天）")
    title: str | None = Field(None, min_length=1, max_length=300)
    scoring: ScoringRule | None = Field(None, description="排名计分规则（默认见 ScoringRule）")

    @model_validator(mode="after")
    def _one_scope(self) -> Self:
        if (self.plan_id is None) == (self.region_code is None):
            raise ValueError("plan_id 与 region_code 须且仅须给出一个")
        if self.kind == "custom" and not self.kind_label:
            raise ValueError("自定义类型须给出 kind_label")
        return self


class EvaluationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=300)
    narrative: str | None = Field(None, max_length=50_000, description="评估报告正文（签发前可改）")


class Counts(BaseModel):
    total: int = 0
    on_time: int = 0
    late: int = 0
    returned: int = 0
    overdue: int = 0
    not_started: int = 0
    in_progress: int = 0


class SectionRow(Counts):
    plan_id: str
    code: str
    title: str


class UnitRow(Counts):
    unit_id: str
    name: str
    lead: int = 0
    score: float | None = None
    rank: int | None = None


class IndicatorRow(BaseModel):
    indicator_id: str
    plan_id: str
    seq: str | None
    name: str
    domain: str | None
    measure_unit: str | None
    nature: str
    baseline: str | None
    target: str | None
    latest_value: str | None
    latest_period: str | None
    status: str
    reasons: list[str]


class NatureCounts(BaseModel):
    nature: str
    counts: dict[str, int]
    total: int


class RegionRow(BaseModel):
    region_code: str
    name: str
    counts: dict[str, int]
    assessed: int
    score: float | None
    rank: int | None


class Trajectory(BaseModel):
    indicator_id: str
    name: str
    measure_unit: str | None
    points: list[tuple[float, float, str]] = Field(description="(年轴位置, 值, 统计期)")
    trajectory: list[tuple[int, float]]
    target_year: int | None
    target_value: float | None


class Comparison(BaseModel):
    previous_id: str
    previous_title: str
    previous_as_of: dt.date
    tasks: dict[str, int] = Field(description="各完成情况的变化（本次 − 上次）")
    indicators: dict[str, int] = Field(description="各指标状态的变化（本次 − 上次）")


class PlanRef(BaseModel):
    id: str
    title: str
    doc_number: str | None
    period_start: int | None
    period_end: int | None


class EvaluationData(BaseModel):
    plans: list[PlanRef]
    region_name: str
    tasks: Counts
    sections: list[SectionRow]
    units: list[UnitRow]
    indicators: list[IndicatorRow]
    indicator_counts: list[NatureCounts]
    regions: list[RegionRow]
    trajectories: list[Trajectory]
    comparison: Comparison | None


class EvaluationRead(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID | None
    region_code: str
    kind: str
    kind_label: str
    title: str
    as_of: dt.date
    status: Literal["draft", "issued"]
    scoring: ScoringRule
    data: EvaluationData
    narrative: str
    narrative_edited: bool
    computed_at: dt.datetime
    issued_at: dt.datetime | None
    issued_by: str | None
    version: int
    created_by: str
    created_at: dt.datetime


class EvaluationSummary(BaseModel):
    """A list row: what an evaluation is, without its data."""

    id: uuid.UUID
    plan_id: uuid.UUID | None
    region_code: str
    kind: str
    kind_label: str
    title: str
    as_of: dt.date
    status: str
    version: int
    created_at: dt.datetime
    issued_at: dt.datetime | None


def jsonable(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


RenderFormat = Literal["pdf", "xlsx"]
RenderState = Literal["queued", "running", "done", "failed"]


class RenderRead(BaseModel):
    """A rendering of an evaluation as a file, made by a worker job."""

    id: uuid.UUID
    evaluation_id: uuid.UUID
    format: RenderFormat
    state: RenderState = Field(
        description="queued 排队 / running 生成中 / done 已完成 / failed 失败"
    )
    progress: int = Field(ge=0, le=100, description="进度（0–100）")
    stage: str = Field(description="当前步骤（中文）")
    error: str | None
    evaluation_version: int = Field(description="生成所依据的评估版本")
    current: bool = Field(description="是否依据评估的当前版本（草稿修改后旧文件作废）")
    size: int | None = Field(description="文件大小（字节，完成后）")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
