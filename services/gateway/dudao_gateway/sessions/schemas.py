from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


class Me(BaseModel):
    sub: str
    role: str
    unit_id: str | None
    region_code: str | None
    name: str | None


class Revocation(BaseModel):
    sid: str
    until: float


class RevocationList(BaseModel):
    items: list[Revocation]


class LoginCodeExchange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(
        min_length=1, max_length=256, description="统一身份认证登录后得到的一次性登录码"
    )


class SignInProvider(BaseModel):
    name: Literal["oidc", "ticket"]
    label: str = Field(description="登录按钮上的文字")
    login_url: str = Field(description="浏览器打开此地址开始登录")


class SignInProviders(BaseModel):
    items: list[SignInProvider]
