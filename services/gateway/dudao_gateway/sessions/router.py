"""Signing in and out: password, unit token, refresh; who am I; the revocations services poll."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)

from ..config import Settings
from ..dependencies import (
    AuditContextDep,
    RevocationHubDep,
    RevocationsDep,
    SettingsDep,
    SignerDep,
)
from . import external, service
from .dependencies import ProvidersDep, SignInSession, SsoAdmin
from .oidc import ProviderUnavailable, SignInRefused
from .schemas import (
    LoginCodeExchange,
    LoginRequest,
    Me,
    RefreshRequest,
    RevocationList,
    SignInProvider,
    SignInProviders,
    SsoSettings,
    TokenPair,
    UnitTokenExchange,
)

public = APIRouter(tags=["auth"])
router = APIRouter(tags=["auth"])


@public.post(
    "/api/v1/auth/login",
    response_model=TokenPair,
    responses=problem_responses(Unauthorized, TooManyRequests, ValidationFailed),
)
async def login(
    body: LoginRequest,
    session: SignInSession,
    signer: SignerDep,
    settings: SettingsDep,
    ctx: AuditContextDep,
) -> TokenPair:
    """账号密码登录，返回访问令牌和刷新令牌"""
    return await service.sign_in(
        session,
        username=body.username,
        password=body.password,
        signer=signer,
        settings=settings,
        ctx=ctx,
    )


@public.post(
    "/api/v1/auth/token",
    response_model=TokenPair,
    responses=problem_responses(Unauthorized, TooManyRequests, ValidationFailed),
)
async def login_form(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SignInSession,
    signer: SignerDep,
    settings: SettingsDep,
    ctx: AuditContextDep,
) -> TokenPair:
    """表单登录（供接口文档页“Authorize”使用）"""
    return await service.sign_in(
        session,
        username=form.username[:64],
        password=form.password[:256],
        signer=signer,
        settings=settings,
        ctx=ctx,
    )


@public.post(
    "/api/v1/auth/refresh", response_model=TokenPair, responses=problem_responses(Unauthorized)
)
async def refresh(
    body: RefreshRequest,
    session: SignInSession,
    signer: SignerDep,
    settings: SettingsDep,
    revocations: RevocationsDep,
    ctx: AuditContextDep,
) -> TokenPair:
    """用刷新令牌换取新的令牌对（刷新令牌每次轮换）"""
    return await service.refresh(
        session,
        raw=body.refresh_token,
        signer=signer,
        settings=settings,
        revocations=revocations,
        ctx=ctx,
    )


@public.post(
    "/api/v1/auth/unit_token", response_model=TokenPair, responses=problem_responses(Unauthorized)
)
async def exchange_unit_token(
    body: UnitTokenExchange,
    session: SignInSession,
    signer: SignerDep,
    settings: SettingsDep,
    ctx: AuditContextDep,
) -> TokenPair:
    """用单位令牌换取只能代表本单位的短期访问令牌"""
    return await service.sign_in_with_unit_token(
        session, raw=body.token, signer=signer, settings=settings, ctx=ctx
    )


SSO_ERRORS = problem_responses(
    SignInRefused, external.NotLinked, external.ProviderNotConfigured, ProviderUnavailable
)
# Both sign-on providers answer the same way: the login route sends the browser to the
# provider, its callback sends it back to the platform's page with a one-time login code.
SSO_LOGIN: dict[str, Any] = {
    "status_code": status.HTTP_302_FOUND,
    "response_class": RedirectResponse,
    "responses": SSO_ERRORS,
}
SSO_CALLBACK: dict[str, Any] = {
    "status_code": status.HTTP_303_SEE_OTHER,
    "response_class": RedirectResponse,
    "responses": SSO_ERRORS,
}
Provider = Literal["oidc", "ticket"]
ReturnTo = Annotated[str | None, Query(max_length=500, description="登录后回到的页面")]


def _callback_url(request: Request, settings: Settings, provider: Provider) -> str:
    """Where the provider sends the browser back: the configured address (behind a proxy the
    request's own may not be what the provider reaches), else this app's callback route."""
    configured = settings.oidc_redirect_uri if provider == "oidc" else settings.ticket_service_url
    return configured or str(request.url_for(f"{provider}_callback"))


async def _to_provider(
    request: Request,
    session: AsyncSession,
    providers: external.Providers,
    settings: Settings,
    provider: Provider,
    return_to: str | None,
) -> RedirectResponse:
    location = await service.start_external(
        session,
        providers=providers,
        provider=provider,
        settings=settings,
        return_to=return_to,
        redirect_uri=_callback_url(request, settings, provider),
    )
    return RedirectResponse(location, status_code=status.HTTP_302_FOUND)


def _back_to_platform(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=status.HTTP_303_SEE_OTHER)


@public.get("/api/v1/auth/providers", response_model=SignInProviders)
async def sign_in_providers(providers: ProvidersDep) -> SignInProviders:
    """可用的外部登录方式（登录页据此显示“使用统一身份认证登录”）"""
    items = []
    if providers.ticket is not None:
        items.append(
            SignInProvider(
                name="ticket", label="使用统一身份认证登录", login_url="/api/v1/auth/ticket/login"
            )
        )
    if providers.oidc is not None:
        items.append(
            SignInProvider(
                name="oidc",
                label="使用统一身份认证登录（OpenID Connect）",
                login_url="/api/v1/auth/oidc/login",
            )
        )
    return SignInProviders(items=items)


@public.get("/api/v1/auth/oidc/login", **SSO_LOGIN)
async def oidc_login(
    request: Request,
    session: SessionDep,
    providers: ProvidersDep,
    settings: SettingsDep,
    return_to: ReturnTo = None,
) -> RedirectResponse:
    """跳转到 OpenID Connect 身份提供方登录（授权码 + PKCE）"""
    return await _to_provider(request, session, providers, settings, "oidc", return_to)


@public.get("/api/v1/auth/oidc/callback", **SSO_CALLBACK)
async def oidc_callback(
    request: Request,
    session: SignInSession,
    providers: ProvidersDep,
    settings: SettingsDep,
    ctx: AuditContextDep,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    """身份提供方登录后的回调：校验 state 与 ID 令牌，回到平台页面并附一次性登录码"""
    location = await service.finish_oidc(
        session,
        providers=providers,
        settings=settings,
        ctx=ctx,
        code=code,
        state=state,
        error=error,
        redirect_uri=_callback_url(request, settings, "oidc"),
    )
    return _back_to_platform(location)


@public.get("/api/v1/auth/ticket/login", **SSO_LOGIN)
async def ticket_login(
    request: Request,
    session: SessionDep,
    providers: ProvidersDep,
    settings: SettingsDep,
    return_to: ReturnTo = None,
) -> RedirectResponse:
    """跳转到统一身份认证平台登录"""
    return await _to_provider(request, session, providers, settings, "ticket", return_to)


@public.get("/api/v1/auth/ticket/callback", **SSO_CALLBACK)
async def ticket_callback(
    request: Request,
    session: SignInSession,
    providers: ProvidersDep,
    settings: SettingsDep,
    ctx: AuditContextDep,
    ticket: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    """统一身份认证平台登录后的回调：向平台核验票据，回到平台页面并附一次性登录码"""
    location = await service.finish_ticket(
        session,
        providers=providers,
        settings=settings,
        ctx=ctx,
        ticket=ticket,
        state=state,
        service_url=_callback_url(request, settings, "ticket"),
    )
    return _back_to_platform(location)


@public.post(
    "/api/v1/auth/sso/exchange",
    response_model=TokenPair,
    responses=problem_responses(SignInRefused, ValidationFailed),
)
async def exchange_login_code(
    body: LoginCodeExchange,
    session: SignInSession,
    signer: SignerDep,
    settings: SettingsDep,
    ctx: AuditContextDep,
) -> TokenPair:
    """用统一身份认证登录后的一次性登录码换取令牌对"""
    return await service.sign_in_with_login_code(
        session, code=body.code, signer=signer, settings=settings, ctx=ctx
    )


# Internal (the service credential is checked at the edge, `dudao_shared.security`), so not
# in the public API document.
@public.get("/internal/v1/revocations", response_model=RevocationList, include_in_schema=False)
async def revocations(session: SessionDep, settings: SettingsDep) -> RevocationList:
    """已注销且访问令牌可能仍未过期的会话（供各服务同步）"""
    return RevocationList(items=await service.revocations_in_force(session, settings=settings))


@public.get("/internal/v1/revocations/stream", include_in_schema=False)
async def revocation_stream(hub: RevocationHubDep) -> StreamingResponse:
    """注销名单推送（事件流：先全量，再逐条，定时心跳）"""
    return StreamingResponse(hub.events(), media_type="text/event-stream")


@router.post("/api/v1/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    revocations: RevocationsDep,
    ctx: AuditContextDep,
) -> Response:
    """注销当前会话：其访问令牌和刷新令牌立即失效"""
    await service.sign_out(
        session, principal=principal, revocations=revocations, settings=settings, ctx=ctx
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/api/v1/auth/sso/settings", response_model=SsoSettings, responses=problem_responses(Forbidden)
)
async def sso_settings(_: SsoAdmin, settings: SettingsDep) -> SsoSettings:
    """外部登录配置（只读，不含客户端密钥；管理员）"""
    return service.sso_settings(settings)


@router.get("/api/v1/auth/me", response_model=Me)
async def me(principal: CurrentPrincipal) -> Me:
    """当前登录身份"""
    return Me(
        sub=principal.sub,
        role=principal.role,
        unit_id=principal.unit_id,
        region_code=principal.region_code,
        name=principal.name,
    )
