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


class PublicBulletinUnit(BaseModel):
    """A unit's line of a bulletin (通报 names organisations, never persons)."""

    unit_name: str = Field(description="单位（机构名称）")
    region_code: str = Field(description="单位所在区划代码")
    rank: int = Field(description="排名")
    score: float = Field(description="得分（规则见 ranking_rule）")
    counts: dict[str, int] = Field(
        description="任务数与各项计数：assignments、done、on_time、late、returned、overdue、"
        "open_notices"
    )


class PublicRedListEntry(BaseModel):
    kind: str = Field(description="overdue 逾期未完成；listed 列入约谈/通报")
    unit_name: str = Field(description="单位（机构名称）")
    task_code: str | None = Field(description="任务编号")
    task_title: str | None = Field(description="任务名称")
    role: str = Field(description="lead 牵头、co 配合")
    due_on: dt.date | None = Field(description="完成时限")
    days_overdue: int = Field(description="逾期天数")
    notice: str | None = Field(description="督办单标题")
    listed: bool = Field(description="是否已列入约谈/通报")


class PublicBulletin(BaseModel):
    """An issued bulletin (通报) of a disclosed plan, as it was issued."""

    id: uuid.UUID
    plan_id: uuid.UUID
    title: str = Field(description="标题")
    kind: str = Field(description="scheduled 月度通报、on_demand 专项通报")
    region_code: str = Field(description="通报覆盖的区划代码")
    region_name: str | None = Field(description="区划名称")
    period_start: dt.date = Field(description="通报期开始")
    period_end: dt.date = Field(description="通报期结束")
    issued_at: dt.datetime = Field(description="印发时间")
    totals: dict[str, int] = Field(description="全部单位的合计（任务数与各项计数）")


class PublicBulletinDetail(PublicBulletin):
    as_of: dt.date = Field(description="数据截至日期")
    units: list[PublicBulletinUnit] = Field(description="各单位排名")
    red_list: list[PublicRedListEntry] = Field(description="红榜：逾期未完成与列入约谈/通报")
    ranking_rule: str = Field(description="排名规则")


class PublicBulletinPage(BaseModel):
    items: list[PublicBulletin]
    next_cursor: str | None = Field(None, description="下一页游标；为空表示没有更多")
