"""The public feed's indicator contract, version 1: approved values only, no reporter, no note.

``tests/indicators/public_feed`` walks these schemas against a deny list."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dudao_shared.decimals import DecimalNumber


class PublicIndicator(BaseModel):
    id: str
    code: str = Field(description="指标编号")
    seq: str | None = Field(description="序号")
    name: str = Field(description="指标名称")
    domain: str | None = Field(description="领域")
    measure_unit: str | None = Field(description="计量单位")
    nature: str = Field(description="指标性质：约束性、预期性")
    direction: str = Field(description="higher_is_better、lower_is_better、band")
    baseline_year: int | None = Field(description="基期年份")
    baseline_value: DecimalNumber | None = Field(description="基期值")
    target: str | None = Field(description="目标值（原文表述）")
    target_year: int | None = Field(description="目标年份")
    target_value: DecimalNumber | None = Field(description="目标数值")
    latest_period: str | None = Field(description="最新审核通过值的期别")
    latest_value: DecimalNumber | None = Field(description="最新审核通过的监测值")
    status: str = Field(description="评估状态；审核中的数据不参与，为 awaiting_approval")
    status_zh: str = Field(description="评估状态（中文）")
    reasons: list[str] = Field(description="评估理由")


class PublicIndicatorPage(BaseModel):
    plan_id: str
    region_code: str = Field(description="评估所在区划")
    items: list[PublicIndicator]
    next_cursor: str | None = Field(None, description="下一页游标；为空表示没有更多")
