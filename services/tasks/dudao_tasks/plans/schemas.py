from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dudao_shared.regions import RegionCode

from .light_rules import LightRules
from .supervision_rules import SupervisionRules

ItemKind = Literal["section", "task", "project"]
# A development zone (高新区、经开区、新区) is a level of its own under its city; its region is
# the city's (or the county's it lies in), since zones have no GB/T 2260 code.
PlanLevel = Literal["province", "city", "development_zone", "county", "township"]
PlanKind = Literal["plan", "annual", "delivered"]
PlanStatus = Literal["draft", "published", "archived"]
AssignmentRole = Literal["lead", "co"]


class DeadlineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_on: dt.date = Field(description="完成时限")
    text: str | None = Field(None, max_length=200, description="原文中的时限表述，如 2024年6月底前")


class ItemSpec(BaseModel):
    """One item of a plan tree, in document order; the parent follows from the code."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=200, description="编号，如 二.(一).1")
    kind: ItemKind = Field(description="section、task、project")
    title: str = Field(min_length=1, max_length=500, description="标题")
    body: str | None = Field(None, max_length=50_000, description="正文")
    deadlines: list[DeadlineIn] = Field(default_factory=list, max_length=50, description="完成时限")


class AssignmentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=200, description="任务编号")
    unit_id: uuid.UUID = Field(description="责任单位")
    role: AssignmentRole = Field(description="lead 牵头、co 配合")


class _PlanFields(BaseModel):
    @model_validator(mode="after")
    def _period(self) -> Any:
        start, end = getattr(self, "period_start", None), getattr(self, "period_end", None)
        if start is not None and end is not None and end < start:
            raise ValueError("规划期结束年份不能早于开始年份")
        return self


class PlanCreate(_PlanFields):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300, description="标题")
    doc_number: str | None = Field(None, max_length=100, description="文号")
    issuer: str | None = Field(None, max_length=200, description="发文机关")
    issued_on: dt.date | None = Field(None, description="成文日期")
    period_start: int | None = Field(None, ge=1949, le=2100, description="规划期开始年份")
    period_end: int | None = Field(None, ge=1949, le=2100, description="规划期结束年份")
    level: PlanLevel = Field(description="层级")
    region_code: RegionCode = Field(description="区划代码")
    parent_plan_id: uuid.UUID | None = Field(None, description="上位规划")
    source_text: str | None = Field(None, max_length=2_000_000, description="原文")
    light_rules: LightRules | None = Field(None, description="亮灯规则（缺省用默认规则）")
    supervision_rules: SupervisionRules | None = Field(
        None, description="督办规则：签收时限、升级阶梯、通报排名（缺省用默认规则）"
    )
    items: list[ItemSpec] = Field(
        default_factory=list, max_length=5000, description="条目（文档顺序）"
    )
    assignments: list[AssignmentSpec] = Field(
        default_factory=list, max_length=20_000, description="任务分工"
    )


class PlanUpdate(_PlanFields):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=300)
    doc_number: str | None = Field(None, max_length=100)
    issuer: str | None = Field(None, max_length=200)
    issued_on: dt.date | None = None
    period_start: int | None = Field(None, ge=1949, le=2100)
    period_end: int | None = Field(None, ge=1949, le=2100)
    level: PlanLevel | None = None
    region_code: RegionCode | None = None
    parent_plan_id: uuid.UUID | None = None
    source_text: str | None = Field(None, max_length=2_000_000)
    status: PlanStatus | None = Field(None, description="draft → published → archived")
    light_rules: LightRules | None = None
    disclosed: bool | None = Field(
        None, description="公开到门户（公开数据接口 /public/v1 只提供已公开的规划；草稿不能公开）"
    )
    supervision_rules: SupervisionRules | None = None


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str = Field(description="标题")
    doc_number: str | None = Field(description="文号")
    issuer: str | None = Field(description="发文机关")
    issued_on: dt.date | None = Field(description="成文日期")
    period_start: int | None = Field(description="规划期开始年份")
    period_end: int | None = Field(description="规划期结束年份")
    level: str = Field(description="层级")
    region_code: str = Field(description="区划代码")
    status: str = Field(description="draft、published、archived")
    parent_plan_id: uuid.UUID | None = Field(description="上位规划")
    kind: PlanKind = Field(
        description="plan 规划本身、annual 年度重点工作任务、delivered 上级下达任务（承接任务）"
    )
    year: int | None = Field(description="年度（年度重点工作任务）")
    annual_of_id: uuid.UUID | None = Field(description="所分解的多年规划（年度重点工作任务）")
    light_rules: LightRules = Field(description="亮灯规则（含默认值）")
    disclosed: bool = Field(description="是否已公开到门户")
    disclosed_at: dt.datetime | None = Field(description="公开时间")
    supervision_rules: SupervisionRules = Field(description="督办规则（含默认值）")
    version: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PlanDetail(PlanRead):
    source_text: str | None = Field(description="原文")
