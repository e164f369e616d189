from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SupervisionNoticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=5000, description="督办事由")
    response_due_on: dt.date | None = Field(
        None, description="反馈时限（不得早于今天；缺省按规划的督办规则）"
    )


class NoticeResponseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000, description="反馈内容")


class SupervisionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["close", "return"] = Field(description="close 办结销号、return 退回重办")
    reason: str | None = Field(None, max_length=2000, description="退回理由（退回时必填）")

    @model_validator(mode="after")
    def _reason(self) -> SupervisionDecision:
        if self.decision == "return" and not (self.reason and self.reason.strip()):
            raise ValueError("退回时必须填写理由")
        return self


class NoticeFileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    created_by: str
    created_at: dt.datetime


class NoticeResponseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    notice_id: uuid.UUID
    unit_id: uuid.UUID
    text: str = Field(description="反馈内容")
    files: list[NoticeFileRead] = Field(description="佐证材料")
    created_by: str
    created_at: dt.datetime


class SupervisionNoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str = Field(description="督办单编号，如 督办〔2026〕12号")
    year: int
    number: int
    region_code: str = Field(description="签发区划")
    plan_id: uuid.UUID
    task_id: uuid.UUID
    task_code: str
    task_title: str
    assignment_id: uuid.UUID
    unit_id: uuid.UUID = Field(description="牵头单位")
    unit_name: str
    source: str = Field(description="manual 人工、overdue 逾期升级、reminders 催办无回应升级")
    reason: str = Field(description="督办事由")
    response_due_on: dt.date = Field(description="反馈时限")
    status: str = Field(
        description="open 待反馈、answered 已反馈、returned 退回重办、closed 已办结"
    )
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    closed_by: str | None
    return_reason: str | None
    listed_at: dt.datetime | None = Field(description="逾期未反馈，列入约谈 / 通报的时间")
    response_overdue: bool = Field(description="是否超过反馈时限仍未反馈")
    responses: list[NoticeResponseRead] = Field(description="历次反馈")
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class EscalationResult(BaseModel):
    raised: list[SupervisionNoticeRead] = Field(description="本次生成的督办单")
    listed: int = Field(description="本次列入约谈 / 通报的督办单数")
