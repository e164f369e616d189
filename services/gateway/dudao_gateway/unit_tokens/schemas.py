from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ..units import UNIT_ID_PATTERN


class UnitTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str = Field(
        min_length=1,
        max_length=36,
        pattern=UNIT_ID_PATTERN,
        description="责任单位标识（任务服务中的单位）",
    )
    label: str = Field("", max_length=100, description="备注，如经办人或设备")
    expires_in_days: int | None = Field(None, ge=1, le=366, description="有效天数，默认 90")


class UnitTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    unit_id: str
    unit_name: str
    region_code: str | None
    label: str
    prefix: str = Field(description="令牌前缀，便于识别")
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    use_count: int


class UnitTokenIssued(UnitTokenRead):
    token: str = Field(description="令牌明文：只显示这一次，请妥善交给单位")
