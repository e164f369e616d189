from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dudao_shared.decimals import DecimalNumber

UnitStatus = Literal["not_started", "in_progress", "completed"]


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: uuid.UUID = Field(description="责任单位")
    role: Literal["lead", "co"] = Field(description="lead 牵头、co 配合")


class AssignmentUpdate(BaseModel):
    """A unit sets its status; a planner changes the role."""

    model_config = ConfigDict(extra="forbid")

    status: UnitStatus | None = Field(
        None, description="单位设置：not_started、in_progress、completed（提交审核）"
    )
    role: Literal["lead", "co"] | None = Field(None, description="规划人员设置：lead、co")


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "return"] = Field(description="accept 通过、return 退回")
    reason: str | None = Field(None, max_length=2000, description="退回原因（退回时必填）")

    @model_validator(mode="after")
    def _reason(self) -> ReviewDecision:
        if self.decision == "return" and not (self.reason and self.reason.strip()):
            raise ValueError("退回时必须填写原因")
        return self


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_id: uuid.UUID
    task_id: uuid.UUID = Field(description="任务")
    task_code: str = Field(description="任务编号")
    task_title: str = Field(description="任务标题")
    unit_id: uuid.UUID = Field(description="责任单位")
    unit_name: str = Field(description="单位名称")
    role: str = Field(description="lead 牵头、co 配合")
    status: str = Field(
        description="not_started、in_progress、completed（待审核）、returned（退回）、accepted（通过）"
    )
    percent: DecimalNumber | None = Field(description="最新完成进度 %")
    last_report_on: dt.date | None = Field(description="最近填报日期")
    completed_at: dt.datetime | None = None
    reviewed_at: dt.datetime | None = None
    reviewed_by: str | None = None
    return_reason: str | None = Field(description="退回原因")
    assigned_at: dt.datetime = Field(description="交办时间")
    assigned_by: str | None = Field(description="交办人")
    acknowledged_at: dt.datetime | None = Field(description="签收时间")
    acknowledged_by: str | None = Field(description="签收人")
    ack_due_on: dt.date = Field(description="签收时限")
    ack_overdue: bool = Field(description="是否超过签收时限仍未签收")
    original_due_on: dt.date | None = Field(description="延期前的最后完成时限（未延期为空）")
    due_on: dt.date | None = Field(description="最后完成时限（含已批准的延期）")
    next_due_on: dt.date | None = Field(description="下一个完成时限")
    overdue: bool = Field(description="是否逾期")
    due_soon: bool = Field(description="是否临期")
    light: str = Field(description="亮灯：green、yellow、red")
    light_reasons: list[str] = Field(
        description="亮灯原因：overdue、due_soon、no_recent_report、returned"
    )
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
