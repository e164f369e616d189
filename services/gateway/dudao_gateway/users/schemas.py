from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..units import UNIT_ID_PATTERN

RoleName = Literal["admin", "planner", "leader", "unit"]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(
        min_length=2,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.@-]+$",
        description="登录名（字母、数字、_ . @ -）",
    )
    display_name: str = Field("", max_length=100, description="姓名")
    password: str = Field(min_length=10, max_length=256, description="密码，至少 10 位")
    role: RoleName = Field(description="角色")
    unit_id: str | None = Field(
        None, max_length=36, pattern=UNIT_ID_PATTERN, description="role=unit 时的单位标识"
    )
    region_code: str | None = Field(
        None, pattern=r"^\d{6}$", description="规划处室所辖行政区划代码"
    )


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(None, max_length=100, description="姓名")
    password: str | None = Field(None, min_length=10, max_length=256, description="新密码")
    role: RoleName | None = Field(None, description="角色")
    region_code: str | None = Field(None, pattern=r"^\d{6}$", description="所辖行政区划代码")
    is_active: bool | None = Field(None, description="false 停用账号")
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


class ExternalIdentityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: Literal["oidc", "ticket"] = Field(
        description="oidc（OpenID Connect）或 ticket（统一身份认证平台票据登录）"
    )
    subject: str = Field(min_length=1, max_length=255, description="该账号在身份提供方的用户标识")


class ExternalIdentityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    provider: str
    subject: str
    user_id: str
    created_at: datetime
