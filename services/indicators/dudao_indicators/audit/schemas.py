from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    seq: int | None = Field(description="在审计链中的序号")
    at: dt.datetime = Field(description="发生时间（UTC）")
    actor_sub: str = Field(description="操作人标识")
    actor_role: str = Field(description="操作人角色")
    actor_unit_id: str | None = Field(description="操作人所属单位（单位令牌）")
    entity: str = Field(description="对象类型：indicator、target、grant、measurement")
    entity_id: str = Field(description="对象标识")
    action: str = Field(description="动作：create、update、delete")
    indicator_id: str | None = None
    plan_id: str | None = None
    region_code: str | None = None
    before: dict[str, Any] | None = Field(description="变更前（新建为空；修改时仅变化字段）")
    after: dict[str, Any] | None = Field(description="变更后（删除为空；修改时仅变化字段）")
    request_id: str | None = None
