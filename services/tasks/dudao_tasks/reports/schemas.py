from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from dudao_shared.decimals import DecimalNumber

from ..assignments.schemas import UnitStatus


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reported_on: dt.date | None = Field(None, description="填报日期（默认今天，不能晚于今天）")
    percent: Decimal | None = Field(
        None, ge=0, le=100, max_digits=5, decimal_places=2, description="完成进度 %"
    )
    text: str = Field(min_length=1, max_length=10_000, description="进展情况")
    status: UnitStatus | None = Field(
        None, description="同时设置任务分工状态；completed 表示提交完成，进入审核"
    )


class FileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    report_id: uuid.UUID
    filename: str = Field(description="原文件名")
    content_type: str = Field(description="按文件内容识别的类型")
    size: int = Field(description="字节数")
    sha256: str = Field(description="SHA-256 摘要")
    created_by: str
    created_at: dt.datetime


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assignment_id: uuid.UUID
    plan_id: uuid.UUID
    task_id: uuid.UUID = Field(description="任务")
    unit_id: uuid.UUID = Field(description="填报单位")
    reported_on: dt.date = Field(description="填报日期")
    percent: DecimalNumber | None = Field(description="完成进度 %")
    text: str = Field(description="进展情况")
    status: str | None = Field(description="随报告设置的状态")
    created_by: str
    created_at: dt.datetime
    files: list[FileRead] = Field(default_factory=list, description="佐证材料")
