from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dudao_shared.regions import RegionCode

from ..common.names import normalize_name

UnitLevel = Literal["province", "city", "county", "township", "other"]

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_is_valid(code: str) -> bool:
    """GB 32100: 18 characters of the code alphabet, the last one a mod-31 check character."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def _clean_uscc(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    code = value.strip().upper()
    if not uscc_is_valid(code):
        raise ValueError("统一社会信用代码无效（应为 18 位且校验位正确）")
    return code


def _clean_aliases(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    out: list[str] = []
    for v in values:
        n = normalize_name(v)
        if not n:
            raise ValueError("别名不能为空")
        if n not in out:
            out.append(n)
    return out


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="常用名称，如 区卫健委")
    full_name: str | None = Field(None, max_length=200, description="全称，如 新建区卫生健康委员会")
    aliases: list[str] = Field(default_factory=list, max_length=50, description="简称 / 别名")
    level: UnitLevel = Field(description="层级")
    region_code: RegionCode = Field(description="GB/T 2260 六位区划代码")
    parent_id: uuid.UUID | None = Field(None, description="上级单位")
    uscc: str | None = Field(None, max_length=30, description="统一社会信用代码（可选）")
    active_from: dt.date | None = Field(None, description="启用日期")
    active_until: dt.date | None = Field(None, description="停用日期（更名、合并后保留历史）")
    successor_id: uuid.UUID | None = Field(None, description="更名或合并后的承继单位")

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, v: str | None) -> str | None:
        return _clean_uscc(v)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v: list[str] | None) -> list[str] | None:
        return _clean_aliases(v)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        n = normalize_name(v)
        if not n:
            raise ValueError("名称不能为空")
        return n

    @model_validator(mode="after")
    def _period(self) -> UnitCreate:
        if self.active_from and self.active_until and self.active_until < self.active_from:
            raise ValueError("停用日期不能早于启用日期")
        return self


class UnitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100, description="常用名称")
    full_name: str | None = Field(None, max_length=200, description="全称")
    aliases: list[str] | None = Field(None, max_length=50, description="别名（整体替换）")
    level: UnitLevel | None = None
    region_code: RegionCode | None = Field(None, description="区划代码")
    parent_id: uuid.UUID | None = None
    uscc: str | None = Field(None, max_length=30, description="统一社会信用代码")
    active_from: dt.date | None = None
    active_until: dt.date | None = None
    successor_id: uuid.UUID | None = None

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, v: str | None) -> str | None:
        return _clean_uscc(v)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v: list[str] | None) -> list[str] | None:
        return _clean_aliases(v)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is None:
            return None
        n = normalize_name(v)
        if not n:
            raise ValueError("名称不能为空")
        return n


class UnitPlace(BaseModel):
    """Where a unit is, for another service checking a reference to it (not what it is)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    region_code: str = Field(description="区划代码")


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(description="常用名称")
    full_name: str | None = Field(description="全称")
    aliases: list[str] = Field(description="别名")
    level: str = Field(description="层级")
    region_code: str = Field(description="区划代码")
    parent_id: uuid.UUID | None = Field(description="上级单位")
    uscc: str | None = Field(description="统一社会信用代码")
    active_from: dt.date | None = None
    active_until: dt.date | None = None
    successor_id: uuid.UUID | None = None
    version: int = Field(description="版本号（If-Match 用）")
    created_at: dt.datetime
    updated_at: dt.datetime


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: RegionCode = Field(description="GB/T 2260 六位区划代码")
    names: list[str] = Field(min_length=1, max_length=500, description="待解析的单位名称")
    on: dt.date | None = Field(None, description="按该日期有效的单位解析（默认今天）")

    @field_validator("names")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        for n in v:
            if len(n) > 200:
                raise ValueError("单位名称过长（最多 200 字）")
        return v


class ResolvedName(BaseModel):
    name: str = Field(description="提交的名称")
    normalized: str = Field(description="规范化后的名称")
    status: Literal["resolved", "unresolved"] = Field(description="是否解析到单位")
    matched_by: Literal["name", "alias", "successor"] | None = Field(
        description="按名称、别名匹配，或该名称的单位已停用、解析到其承继单位"
    )
    unit: UnitRead | None = Field(description="解析到的单位")
    warning: str | None = Field(None, description="提示（如：原单位已停用，已改为承继单位）")


class ResolveResult(BaseModel):
    items: list[ResolvedName]
    unresolved: list[str] = Field(description="未能解析的名称（不会自动创建）")


class SuccessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    successor_id: uuid.UUID = Field(description="承继单位")
    active_until: dt.date = Field(description="停用日期")
    confirm: bool = Field(
        False, description="false：只预览将移交的未办结任务；true：停用并移交（记入审计）"
    )


class HandedOver(BaseModel):
    assignment_id: uuid.UUID
    plan_id: uuid.UUID
    task_id: uuid.UUID
    role: str = Field(description="lead 牵头、co 配合")
    status: str
    conflict: bool = Field(description="承继单位已承担该任务，不能移交（须人工处理）")


class SuccessionResult(BaseModel):
    confirmed: bool = Field(description="是否已停用并移交")
    unit: UnitRead
    successor: UnitRead
    open_assignments: list[HandedOver] = Field(description="原单位未办结的任务")
    moved: int = Field(description="已移交的任务数")
