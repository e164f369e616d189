from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..plans.schemas import AssignmentRole


class CascadeResult(BaseModel):
    """What one cascade delivered (a second run delivers only what is new)."""

    tasks: int = Field(description="交给集体责任单位（各设区市政府等）的任务数")
    regions: int = Field(description="承接任务的区划数")
    delivered_plans: int = Field(description="新建的承接任务清单数")
    copies_created: int = Field(description="新下达的任务副本数")
    copies_existing: int = Field(description="此前已下达的任务副本数")


class RegionState(BaseModel):
    """One region's copy of a delivered task, as the province leader sees it."""

    region_code: str
    region_name: str
    level: str = Field(description="city、county")
    copy_id: uuid.UUID = Field(description="本区划的任务副本")
    plan_id: uuid.UUID = Field(description="本区划的承接任务清单")
    status: str
    light: str
    light_reasons: list[str]
    overdue: bool
    silent: bool = Field(description="从未填报进展")
    due_on: dt.date | None
    units: list[str] = Field(description="本区划指定的责任单位")
    last_report_on: dt.date | None
    last_report: str | None = Field(description="最近一次进展（单位给出的情况与原因）")
    return_reason: str | None = Field(description="退回原因")
    covered_by: int = Field(description="本区划自身规划中承接此任务的任务数")


class CascadeTask(BaseModel):
    """A task of a higher plan, rolled up from its regions' copies (rule: ``common.rollup``)."""

    task_id: uuid.UUID
    code: str
    title: str
    due_on: dt.date | None
    status: str = Field(description="汇总状态：本任务牵头单位与各区划副本中最落后者")
    light: str = Field(description="汇总灯色：各区划副本中最差者")
    share_done: float | None = Field(description="已完成（含待审核）的区划占比")
    counts: dict[str, int] = Field(description="done 完成、late 逾期、silent 未填报、total 合计")
    regions: list[RegionState]


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: uuid.UUID = Field(description="所承接（或所推进）的上级任务")
    note: str | None = Field(None, max_length=2000, description="说明")


class LinkedTask(BaseModel):
    link_id: uuid.UUID
    kind: Literal["implements", "advances"] = Field(
        description="implements 承接落实、advances 年度任务推进规划任务"
    )
    note: str | None
    task_id: uuid.UUID
    code: str
    title: str
    plan_id: uuid.UUID
    plan_title: str
    plan_kind: str
    region_code: str
    year: int | None
    status: str
    deliverable: str | None = Field(description="年度成果要求")
    due_on: dt.date | None
    last_report_on: dt.date | None
    last_report: str | None = Field(description="最近一次进展（取得的成效）")


class TaskLinks(BaseModel):
    serves: list[LinkedTask] = Field(description="本任务承接或推进的上级任务")
    served_by: list[LinkedTask] = Field(description="承接或推进本任务的下级任务、年度任务")


class AnnualUnit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: uuid.UUID
    role: AssignmentRole


class AnnualTaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    advances: list[uuid.UUID] = Field(
        min_length=1, max_length=50, description="推进的规划任务（可多个；一项规划任务可拆为多项）"
    )
    title: str | None = Field(
        None, min_length=1, max_length=500, description="年度任务（缺省沿用规划任务的标题）"
    )
    deliverable: str | None = Field(None, max_length=5000, description="本年度成果要求")
    due_on: dt.date | None = Field(None, description="本年度完成时限")
    units: list[AnnualUnit] = Field(default_factory=list, max_length=50, description="责任单位")


class AnnualPlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1949, le=2100, description="年度")
    title: str | None = Field(None, min_length=1, max_length=300, description="标题")
    tasks: list[AnnualTaskIn] = Field(min_length=1, max_length=2000, description="年度重点任务")
