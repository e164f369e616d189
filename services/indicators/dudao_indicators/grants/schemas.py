from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dudao_shared.regions import RegionCode


class GrantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: str = Field(
        min_length=1, max_length=64, description="责任单位（网关/任务服务中的单位标识）"
    )
    indicator_id: str = Field(max_length=36, description="指标")
    region_code: RegionCode = Field(description="该单位填报的区划")


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    unit_id: str
    indicator_id: str
    region_code: str
    granted_by: str
    version: int
    created_at: datetime
