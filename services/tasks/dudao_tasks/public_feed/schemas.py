"""The public feed's contract, version 1 (``/public/v1``): only what a portal may show.

Every field here is public by decision: no person's name, phone or account, no unit contact,
no evidence file, no report text, no unapproved value. ``tests/tasks/public_feed`` walks these
schemas against a deny list, so a field added here is checked too."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from dudao_shared.decimals import DecimalNumber


class PublicCounts(BaseModel):
    by_status: dict[str, int] = Field(
        description="各任务状态的任务数（not_started、in_progress、completed 等）"
    )
    by_light: dict[str, int] = Field(description="各灯色的任务数（green、yellow、red）")
    total: int = Field(description="任务总数")


class PublicRegionProgress(PublicCounts):
    region_code: str = Field(description="区划代码（GB/T 2260，牵头单位所在区划）")
    region_name: str | None = Field(description="区划名称")


class PublicPlan(BaseModel):
    id: uuid.UUID
    title: str = Field(description="标题")
    doc_number: str | None = Field(description="文号")
    issuer: str | None = Field(description="发文机关")
    issued_on: dt.date | None = Field(description="成文日期")
    period_start: int | None = Field(description="规划期开始年份")
    period_end: int | None = Field(description="规划期结束年份")
    level: str = Field(description="层级：province、city、county、township")
    region_code: str = Field(description="区划代码")
    region_name: str | None = Field(description="区划名称")
    status: str = Field(description="published 实施中、archived 已归档")
    disclosed_at: dt.datetime = Field(description="公开时间")
    updated_at: dt.datetime = Field(description="最近更新时间")


class PublicPlanDetail(PublicPlan):
    progress: PublicCounts = Field(description="全部任务的进展汇总")
    regions: list[PublicRegionProgress] = Field(description="按牵头单位所在区划的进展汇总")


class PublicItem(BaseModel):
    """One entry of the plan's structure; the task fields are empty for a section."""

    id: uuid.UUID
    parent_id: uuid.UUID | None = Field(description="上级条目")
    kind: str = Field(description="section 章节、task 任务、project 专栏项目")
    code: str = Field(description="编号")
    title: str = Field(description="标题")
    status: str | None = Field(description="任务状态")
    light: str | None = Field(description="灯色：green、yellow、red")
    light_reasons: list[str] = Field(description="亮灯理由")
    due_on: dt.date | None = Field(description="最后完成时限")
    percent: DecimalNumber | None = Field(description="完成进度 %")
    lead_units: list[str] = Field(description="牵头单位（机构名称）")
    co_units: list[str] = Field(description="配合单位（机构名称）")
    region_codes: list[str] = Field(description="牵头单位所在区划代码")
    updated_at: dt.datetime = Field(description="最近更新时间")


class PublicPlanPage(BaseModel):
    items: list[PublicPlan]
    next_cursor: str | None = Field(None, description="下一页游标；为空表示没有更多")


class PublicItemPage(BaseModel):
    items: list[PublicItem]
    next_cursor: str | None = Field(None, description="下一页游标；为空表示没有更多")
