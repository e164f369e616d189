from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

# The rules' defaults; a plan without its own rules uses these.
DEFAULT_DUE_SOON_DAYS = 7
DEFAULT_OVERDUE_EVERY_DAYS = 7
DEFAULT_NO_REPORT_DAYS = 30
DEFAULT_NOT_ACKNOWLEDGED_DAYS = 3


class ReminderRules(BaseModel):
    """A plan's reminder rules. A null number turns its rule off."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    due_soon_days: int | None = Field(
        DEFAULT_DUE_SOON_DAYS,
        ge=0,
        le=365,
        description="临期提醒：距下一完成时限不超过该天数时提醒一次（每个时限一次）",
    )
    overdue_enabled: bool = Field(True, description="逾期提醒：超过最后完成时限仍未完成时提醒")
    overdue_every_days: int | None = Field(
        DEFAULT_OVERDUE_EVERY_DAYS,
        ge=1,
        le=365,
        description="逾期后每隔该天数再提醒一次；为空则只提醒一次",
    )
    no_report_days: int | None = Field(
        DEFAULT_NO_REPORT_DAYS,
        ge=1,
        le=3650,
        description="未填报提醒：自上次填报（或交办）起超过该天数未填报时提醒，每段沉默期一次",
    )
    not_acknowledged_days: int | None = Field(
        DEFAULT_NOT_ACKNOWLEDGED_DAYS,
        ge=0,
        le=365,
        description="未签收提醒：交办后超过该天数仍未签收时提醒一次",
    )


class ReminderRulesRead(ReminderRules):
    plan_id: uuid.UUID
    version: int = Field(description="版本号（ETag）；未设置过时为 0，使用默认规则")


class UrgeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=2000, description="催办内容")


class ReminderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assignment_id: uuid.UUID | None
    unit_id: uuid.UUID
    plan_id: uuid.UUID | None
    rule: str = Field(
        description="due_soon 临期、overdue 逾期、no_report 未填报、not_acknowledged 未签收、"
        "urge 催办"
    )
    period: str
    message: str | None
    notice_id: uuid.UUID | None
    created_by: str
    created_at: dt.datetime


class SweepResult(BaseModel):
    job_id: int = Field(description="已排入队列的扫描作业编号")
    on: dt.date = Field(description="按哪一天扫描")
