from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..common.labels import normalize_label
from ..plans.schemas import DeadlineIn as DeadlineIn
from ..plans.schemas import ItemKind

TaskStatus = Literal["not_started", "in_progress", "completed", "returned", "accepted"]


class DeadlineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    due_on: dt.date = Field(description="完成时限")
    text: str | None = Field(description="原文表述")


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent_id: uuid.UUID | None = Field(None, description="上级条目；为空表示顶层")
    kind: ItemKind = Field(description="section 章节、task 任务、project 专栏项目")
    label: str = Field(min_length=1, max_length=40, description="本级编号，如 二、(一)、1、专栏1")
    title: str = Field(min_length=1, max_length=500, description="标题")
    body: str | None = Field(None, max_length=50_000, description="正文")
    position: int | None = Field(None, ge=0, le=100_000, description="同级中的位置（默认排在最后）")
    deadlines: list[DeadlineIn] = Field(default_factory=list, max_length=50, description="完成时限")

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        return normalize_label(v)


class ItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ItemKind | None = None
    label: str | None = Field(None, min_length=1, max_length=40, description="本级编号")
    title: str | None = Field(None, min_length=1, max_length=500, description="标题")
    body: str | None = Field(None, max_length=50_000, description="正文")
    deadlines: list[DeadlineIn] | None = Field(
        None, max_length=50, description="完成时限（整体替换）"
    )

    @field_validator("label")
    @classmethod
    def _label(cls, v: str | None) -> str | None:
        return None if v is None else normalize_label(v)


class ItemMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent_id: uuid.UUID | None = Field(description="新的上级条目；为空表示顶层")
    position: int | None = Field(None, ge=0, le=100_000, description="同级中的新位置（默认最后）")


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_id: uuid.UUID
    parent_id: uuid.UUID | None = Field(description="上级条目")
    kind: str = Field(description="section、task、project")
    code: str = Field(description="编号（含上级），如 二.(一).1")
    label: str = Field(description="本级编号")
    title: str = Field(description="标题")
    body: str | None = Field(description="正文")
    position: int = Field(description="同级中的位置")
    status: str = Field(description="任务状态（随牵头单位）")
    due_on: dt.date | None = Field(description="最后完成时限")
    deadlines: list[DeadlineRead] = Field(default_factory=list, description="完成时限")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TaskRead(BaseModel):
    """A task as one row: what the gateway's benchmark and lists need, from one query."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_id: uuid.UUID
    parent_id: uuid.UUID | None
    kind: str = Field(description="task 或 project")
    code: str = Field(description="编号")
    title: str = Field(description="标题")
    status: str = Field(description="任务状态（随牵头单位）")
    due_on: dt.date | None = Field(description="最后完成时限")
    version: int
    updated_at: dt.datetime
