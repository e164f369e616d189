"""Signing in and out: password, unit token, refresh; who am I; the revocations services poll."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.responses import StreamingResponse
from fastapi.security import OAuth2PasswordRequestForm

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep
from dudao_shared.errors import TooManyRequests, Unauthorized, ValidationFailed, problem_responses

from ..dependencies import (
    AuditContextDep,
    RevocationHubDep,
    RevocationsDep,
    SettingsDep,
    SignerDep,
)
from . import service
from .dependencies import SignInSession
from .schemas import (
    LoginRequest,
    Me,
    RefreshRequest,
    RevocationList,
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
