from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RoleName = Literal["admin", "planner", "leader", "unit"]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, description="用户名")
    password: str = Field(min_length=1, max_length=256, description="密码")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=256, description="刷新令牌")


class UnitTokenExchange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=256, description="管理员发放的单位令牌")


class TokenPair(BaseModel):
    access_token: str = Field(description="访问令牌 (JWT)，有效期不超过 15 分钟")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="访问令牌剩余秒数")
    refresh_token: str | None = Field(None, description="刷新令牌（单位令牌换取时为空）")
    refresh_expires_at: datetime | None = None
    role: str
    unit_id: str | None = None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$",
                          description="登录名（字母、数字、_ . @ -）")
    display_name: str = Field("", max_length=100, description="姓名")
    password: str = Field(min_length=10, max_length=256, description="密码，至少 10 位")
    role: RoleName = Field(description="角色")
    unit_id: str | None = Field(None, max_length=36, description="role=unit 时的单位标识")
    region_code: str | None = Field(None, pattern=r"^\d{6}$", description="规划处室所辖行政区划代码")


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(None, max_length=100)
    password: str | None = Field(None, min_length=10, max_length=256)
    role: RoleName | None = None
    region_code: str | None = Field(None, pattern=r"^\d{6}$")
    is_active: bool | None = None
    unlock: bool | None = Field(None, description="解除登录锁定")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    username: str
    display_name: str
    role: str
    unit_id: str | None
    region_code: str | None
    is_active: bool
    locked_until: datetime | None
    version: int
    created_at: datetime


class Me(BaseModel):
    sub: str
    role: str
    unit_id: str | None
    region_code: str | None
    name: str | None


class UnitTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Goes into the task service's URL and into the token's unit claim: a UUID and nothing else.
    unit_id: str = Field(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-"
                         r"[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                         description="责任单位标识（任务服务中的单位）")
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


class SecurityEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    at: datetime
    action: str
    actor: str
    subject: str
    unit_id: str | None
    outcome: str
    ip: str | None
    request_id: str | None
    detail: str


class Revocation(BaseModel):
    sid: str
    until: float


class RevocationList(BaseModel):
    items: list[Revocation]
