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


class OidcSettingsView(BaseModel):
    issuer: str = Field(description="提供方（签发者）地址")
    client_id: str
    scope: str
    id_token_alg: str = Field(description="唯一接受的 ID 令牌签名算法")
    redirect_uri: str = Field(description="回调地址（空：按请求地址）")


class TicketSettingsView(BaseModel):
    login_url: str = Field(description="统一身份认证平台的登录地址")
    validate_url: str = Field(description="票据校验地址")
    service_url: str = Field(description="本网关的回调地址（空：按请求地址）")
    subject_attribute: str = Field(description="标识用户的属性（空：协议的 user 元素）")


class SsoSettings(BaseModel):
    """The outside sign-in configuration as the gateway runs it (no secret), for admins."""

    link_by: str = Field(
        description="外部身份关联到平台账号的规则：subject（管理员预先关联的主体标识）、"
        "username（提供方给出的用户名即平台账号）或 claim:<名称>（该声明即平台账号）"
    )
    oidc: OidcSettingsView | None = Field(description="OpenID Connect（未配置为空）")
    ticket: TicketSettingsView | None = Field(description="票据登录（未配置为空）")
    return_to: str = Field(description="登录后回到的页面")
    flow_seconds: int = Field(description="一次外部登录流程的有效秒数")
