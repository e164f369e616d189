from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..plans.schemas import ItemKind


class SourceSpan(BaseModel):
    start: int
    end: int
    text: str = Field(description="原文片段")


class UnitFinding(BaseModel):
    name: str = Field(description="文中写法")
    role: Literal["lead", "co"]
    status: Literal["resolved", "unresolved", "will_create"]
    unit_id: uuid.UUID | None = None
    unit_name: str | None = None


class DeadlineFinding(BaseModel):
    due_on: dt.date
    text: str | None = Field(None, description="原文表述")
    span: SourceSpan | None = None


class ItemFinding(BaseModel):
    code: str
    kind: ItemKind
    title: str
    span: SourceSpan | None = None
    units: list[UnitFinding] = []
    units_span: SourceSpan | None = None
    deadlines: list[DeadlineFinding] = []


class Warning_(BaseModel):
    code: str
    message: str
    span: SourceSpan | None = None


class ImportPreview(BaseModel):
    """What the document yields, every value with the words it came from."""

    source_hash: str = Field(description="原文指纹（用于识别重复导入）")
    source_name: str | None = None
    duplicate_of: uuid.UUID | None = Field(None, description="已从同一文件导入的规划")
    region_code: str
    region_source: Literal["given", "detected"]
    document: dict[str, Any]
    items: list[ItemFinding]
    indicators: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    key_list: list[dict[str, Any]]
    warnings: list[Warning_]
    counts: dict[str, int]


class ImportResult(BaseModel):
    plan_id: uuid.UUID
    source_hash: str
    counts: dict[str, int]
    created_units: list[str] = Field(description="按要求新建的单位")
    warnings: list[Warning_]
