from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ExtensionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requested_due_on: dt.date = Field(description="申请延期至（不得早于今天）")
    reason: str = Field(min_length=1, max_length=2000, description="延期理由")


class ExtensionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"] = Field(description="approve 批准、reject 不批准")
    reason: str | None = Field(None, max_length=2000, description="意见（不批准时必填）")

    @model_validator(mode="after")
    def _reason(self) -> ExtensionDecision:
        if self.decision == "reject" and not (self.reason and self.reason.strip()):
            raise ValueError("不批准时必须填写理由")
        return self


class ExtensionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assignment_id: uuid.UUID = Field(description="任务分工")
    plan_id: uuid.UUID
    task_id: uuid.UUID = Field(description="任务")
    unit_id: uuid.UUID = Field(description="申请单位")
    current_due_on: dt.date | None = Field(description="申请时的完成时限")
    requested_due_on: dt.date = Field(description="申请延期至")
    reason: str = Field(description="延期理由")
    status: str = Field(description="pending 待审批、approved 已批准、rejected 不批准")
    decided_at: dt.datetime | None = Field(description="审批时间")
    decided_by: str | None = Field(description="审批人")
    decision_reason: str | None = Field(description="审批意见")
    created_by: str = Field(description="申请人")
    created_at: dt.datetime
    version: int
