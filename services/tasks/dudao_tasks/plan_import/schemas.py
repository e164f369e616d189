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


class ParentProposal(BaseModel):
    """A plan the document cites that may be its parent (上位规划)."""

    plan_id: uuid.UUID
    title: str
    doc_number: str | None
    level: str
    region_code: str
    matched_by: Literal["doc_number", "title"] = Field(description="按文号或标题引用匹配")


class ImportPreview(BaseModel):
    """What the document yields, every value with the words it came from."""

    source_hash: str = Field(description="原文指纹（用于识别重复导入）")
    source_name: str | None = None
    duplicate_of: uuid.UUID | None = Field(None, description="已从同一文件导入的规划")
    parent_plans: list[ParentProposal] = Field(
        default_factory=list,
        description="文中按标题或文号引用、可作上位规划的已有规划（确认时以 parent_plan_id 选定）",
    )
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
