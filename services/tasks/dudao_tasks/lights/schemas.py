from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from dudao_shared.decimals import DecimalNumber


class TaskLight(BaseModel):
    id: uuid.UUID
    code: str = Field(description="编号")
    title: str = Field(description="任务")
    kind: str
    status: str = Field(description="任务状态（随牵头单位）")
    lead_units: list[str] = Field(description="牵头单位")
    co_units: list[str] = Field(description="配合单位")
    due_on: dt.date | None = Field(description="最后完成时限")
    next_due_on: dt.date | None = Field(description="下一个完成时限")
    overdue: bool
    due_soon: bool
    percent: DecimalNumber | None = Field(description="完成进度 %（牵头单位）")
    last_report_at: dt.datetime | None = Field(description="最新进展时间")
    light: str = Field(description="green、yellow、red")
    light_reasons: list[str]


class UnitLight(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    light: str = Field(description="该单位在本规划中各任务分工的最差灯色")
    counts: dict[str, int] = Field(description="各灯色的任务分工数")


class PlanLights(BaseModel):
    plan_id: uuid.UUID
    light: str = Field(description="全部任务的最差灯色")
    counts: dict[str, int] = Field(description="各灯色的任务数")
    unit_counts: dict[str, int] = Field(
        description="各灯色的责任单位数（按单位最差灯色；单位明细分页见 /lights/units）"
    )
    units_total: int = Field(description="有分工的责任单位数")


class UnitLights(BaseModel):
    unit_id: uuid.UUID
    light: str = Field(description="各任务分工中最差的灯色")
    counts: dict[str, int] = Field(description="各灯色的任务分工数")
    overdue: int = Field(description="逾期数")
    due_soon: int = Field(description="临期数")
