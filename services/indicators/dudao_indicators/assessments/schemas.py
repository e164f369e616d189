from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dudao_shared.decimals import DecimalNumber

from ..engine import STATUS_ZH


class AssessmentRead(BaseModel):
    id: str
    indicator_id: str
    plan_id: str
    region_code: str
    status: str = Field(
        description="achieved、on_track、moderately_off_track、off_track、regressing、not_achieved、insufficient_data"
    )
    status_zh: str = Field(description="状态（中文）")
    score: DecimalNumber | None = Field(description="Open SDG 分值（−5…5）")
    method: str = Field(
        description=(
            "milestone 分年度目标，cagr 增长率比值，linear 线性，band 区间，"
            "no_target_cagr 无目标，none"
        )
    )
    ratio: DecimalNumber | None = Field(description="进度比值 R（无目标时为年均变化 v）")
    baseline_year: float | None
    baseline_value: DecimalNumber | None
    latest_period: str | None
    latest_value: DecimalNumber | None
    target_year: int | None
    target_value: DecimalNumber | None
    target_id: str | None
    thresholds: dict[str, str] | None = Field(description="所用阈值")
    reasons: list[str] = Field(description="评估理由（中文）")
    components: dict[str, Any] = Field(description="全部计算要素")
    computed_at: datetime

    @classmethod
    def of(cls, a: Any) -> AssessmentRead:
        comps = a.components or {}
        return cls(
            id=a.id,
            indicator_id=a.indicator_id,
            plan_id=a.plan_id,
            region_code=a.region_code,
            status=a.status,
            status_zh=STATUS_ZH.get(a.status, a.status),
            score=a.score,
            method=a.method,
            ratio=a.ratio,
            baseline_year=a.baseline_year,
            baseline_value=a.baseline_value,
            latest_period=a.latest_period,
            latest_value=a.latest_value,
            target_year=a.target_year,
            target_value=a.target_value,
            target_id=a.target_id,
            thresholds=comps.get("thresholds"),
            reasons=comps.get("reasons", []),
            components=comps,
            computed_at=a.computed_at,
        )


class RecomputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: str | None = Field(None, max_length=64, description="重算整个规划")
    indicator_id: str | None = Field(None, max_length=36, description="重算一个指标")


class RecomputeResult(BaseModel):
    recomputed: int = Field(description="重算的 指标×区划 数")
