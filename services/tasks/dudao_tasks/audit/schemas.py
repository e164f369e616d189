from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: dt.datetime = Field(description="发生时间（UTC）")
    actor_sub: str = Field(description="操作人标识")
    actor_role: str = Field(description="操作人角色")
    actor_unit_id: uuid.UUID | None = Field(description="操作人所属单位（单位令牌）")
    entity: str = Field(description="对象类型：plan、item、assignment、report、file、unit")
    entity_id: uuid.UUID = Field(description="对象标识")
    action: str = Field(
        description="动作：create、update、delete、move、status、report、accept、return …"
    )
    plan_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = Field(description="变更涉及的责任单位")
    before: dict[str, Any] | None = Field(description="变更前（仅变化字段）")
    after: dict[str, Any] | None = Field(description="变更后（仅变化字段）")
    request_id: str | None = None
