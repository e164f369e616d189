"""Sign-in, sessions, accounts and unit tokens (the gateway's own routes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from dudao_shared.api import IfMatch, expected_version, set_etag
from dudao_shared.auth import Admin, CurrentPrincipal, Principal, require_roles
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    Locked,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.http import UpstreamProblem

from . import service
from .schemas import (
    LoginRequest,
    Me,
    RefreshRequest,
    RevocationList,
    SecurityEventRead,
    TokenPair,
    UnitTokenCreate,
    UnitTokenExchange,
    UnitTokenIssued,
    UnitTokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)

public = APIRouter(tags=["auth"])
router = APIRouter()

TokenIssuer = Annotated[Principal, Depends(require_roles("admin", "planner"))]


def _ctx(request: Request) -> service.Context:
    return service.Context(ip=request.client.host if request.client else None)


@public.post(
    "/api/v1/auth/login", response_model=TokenPair,
    responses=problem_responses(Unauthorized, Locked, ValidationFailed),
)
async def login(body: LoginRequest, request: Request, session: SessionDep) -> TokenPair:
    """账号密码登录，返回访问令牌和刷新令牌"""
    s = request.app.state
    try:
        user = await service.authenticate(
            session, username=body.username, password=body.password, settings=s.settings,
            ctx=_ctx(request),
        )
    except (Unauthorized, Locked):
        # The failure counter and the audit row must survive the error response.
        await session.commit()
        raise
    return await service.start_session(session, user=user, signer=s.signer, settings=s.settings)


@public.post("/api/v1/auth/token", response_model=TokenPair, include_in_schema=True,
             responses=problem_responses(Unauthorized, Locked))
async def login_form(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, session: SessionDep
) -> TokenPair:
    """表单登录（供接口文档页“Authorize”使用）"""
    return await login(LoginRequest(username=form.username[:64], password=form.password[:256]),
                       request, session)


@public.post("/api/v1/auth/refresh", response_model=TokenPair,
             responses=problem_responses(Unauthorized))
async def refresh(body: RefreshRequest, request: Request, session: SessionDep) -> TokenPair:
    """用刷新令牌换取新的令牌对（刷新令牌每次轮换）"""
    s = request.app.state
    try:
        return await service.refresh_session(
            session, raw=body.refresh_token, signer=s.signer, settings=s.settings,
            revocations=s.revocations, ctx=_ctx(request),
        )
    except Unauthorized:
        await session.commit()
        raise


@public.post("/api/v1/auth/unit_token", response_model=TokenPair,
             responses=problem_responses(Unauthorized))
async def exchange_unit_token(
    body: UnitTokenExchange, request: Request, session: SessionDep
) -> TokenPair:
    """用单位令牌换取只能代表本单位的短期访问令牌"""
    s = request.app.state
    try:
        return await service.exchange_unit_token(
            session, raw=body.token, signer=s.signer, settings=s.settings, ctx=_ctx(request)
        )
    except Unauthorized:
        await session.commit()
        raise


@public.get("/internal/v1/revocations", response_model=RevocationList, tags=["internal"])
async def revocations(request: Request, session: SessionDep) -> RevocationList:
    """已注销且访问令牌可能仍未过期的会话（供各服务同步）"""
    entries = await service.active_revocations(session, settings=request.app.state.settings)
    return RevocationList(items=[{"sid": k, "until": v} for k, v in entries.items()])  # type: ignore[misc]


@router.post("/api/v1/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
async def logout(principal: CurrentPrincipal, request: Request, session: SessionDep) -> Response:
    """注销当前会话：其访问令牌和刷新令牌立即失效"""
    s = request.app.state
    await service.logout(session, principal=principal, revocations=s.revocations,
                         settings=s.settings, ctx=_ctx(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/v1/auth/me", response_model=Me, tags=["auth"])
async def me(principal: CurrentPrincipal) -> Me:
    """当前登录身份"""
    return Me(sub=principal.sub, role=principal.role, unit_id=principal.unit_id,
              region_code=principal.region_code, name=principal.name)


@router.get("/api/v1/auth/events", response_model=list[SecurityEventRead], tags=["auth"],
            responses=problem_responses(Forbidden))
async def events(
    _: Admin,
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=40)] = None,
    unit_id: Annotated[str | None, Query(max_length=36)] = None,
    before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SecurityEventRead]:
    """安全审计：登录、令牌发放、使用与撤销记录（管理员）"""
    rows = await service.list_events(session, action=action, unit_id=unit_id, before=before,
                                     limit=limit)
    return [SecurityEventRead.model_validate(r) for r in rows]


# --- users -------------------------------------------------------------------------------


@router.post("/api/v1/users", response_model=UserRead, status_code=201, tags=["users"],
             responses=problem_responses(Forbidden, Conflict, ValidationFailed))
async def create_user(
    body: UserCreate, principal: Admin, session: SessionDep, response: Response
) -> UserRead:
    """创建账号（管理员）"""
    user = await service.create_user(session, data=body, actor=principal.sub)
    set_etag(response, user.version)
    return UserRead.model_validate(user)


@router.get("/api/v1/users", response_model=list[UserRead], tags=["users"],
            responses=problem_responses(Forbidden))
async def list_users(_: Admin, session: SessionDep) -> list[UserRead]:
    """账号列表（管理员）"""
    return [UserRead.model_validate(u) for u in await service.list_users(session)]


@router.get("/api/v1/users/{user_id}", response_model=UserRead, tags=["users"],
            responses=problem_responses(Forbidden, NotFound))
async def get_user(user_id: str, _: Admin, session: SessionDep, response: Response) -> UserRead:
    """查看账号（管理员）"""
    user = await service.get_user(session, user_id)
    set_etag(response, user.version)
    return UserRead.model_validate(user)


@router.patch("/api/v1/users/{user_id}", response_model=UserRead, tags=["users"],
              responses=problem_responses(Forbidden, NotFound, PreconditionFailed,
                                          PreconditionRequired))
async def update_user(
    user_id: str, body: UserUpdate, principal: Admin, session: SessionDep, response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    """修改账号：角色、停用、重置密码、解除锁定（管理员，需 If-Match）"""
    version = expected_version(if_match)
    user = await service.get_user(session, user_id)
    user = await service.update_user(session, user=user, data=body, expected_version=version,
                                     actor=principal.sub)
    set_etag(response, user.version)
    return UserRead.model_validate(user)


# --- unit tokens ---------------------------------------------------------------------------


@router.post("/api/v1/unit_tokens", response_model=UnitTokenIssued, status_code=201,
             tags=["unit tokens"], responses=problem_responses(Forbidden, ValidationFailed))
async def issue_unit_token(
    body: UnitTokenCreate, principal: TokenIssuer, request: Request, session: SessionDep
) -> UnitTokenIssued:
    """为一个责任单位发放单位令牌（明文只显示一次；规划处室限本辖区单位）"""
    s = request.app.state
    try:
        unit = await s.tasks_client.get_json(f"/api/v1/units/{body.unit_id}")
    except UpstreamProblem as exc:
        if exc.status == 404:
            raise ValidationFailed(
                "单位不存在", errors=[{"field": "unit_id", "message": "任务服务中没有此单位"}]
            ) from None
        raise
    row, raw = await service.issue_unit_token(
        session, data=body, unit_name=str(unit.get("name") or ""),
        unit_region=unit.get("region_code"), principal=principal, settings=s.settings,
        ctx=_ctx(request),
    )
    return UnitTokenIssued(**UnitTokenRead.model_validate(row).model_dump(), token=raw)


@router.get("/api/v1/unit_tokens", response_model=list[UnitTokenRead], tags=["unit tokens"],
            responses=problem_responses(Forbidden))
async def list_unit_tokens(
    principal: TokenIssuer,
    session: SessionDep,
    unit_id: Annotated[str | None, Query(max_length=36)] = None,
    include_revoked: bool = False,
) -> list[UnitTokenRead]:
    """单位令牌列表（不含明文）"""
    rows = await service.list_unit_tokens(session, principal=principal, unit_id=unit_id,
                                          include_revoked=include_revoked)
    return [UnitTokenRead.model_validate(r) for r in rows]


@router.delete("/api/v1/unit_tokens/{token_id}", response_model=UnitTokenRead,
               tags=["unit tokens"], responses=problem_responses(Forbidden, NotFound))
async def revoke_unit_token(
    token_id: str, principal: TokenIssuer, request: Request, session: SessionDep
) -> UnitTokenRead:
    """撤销单位令牌：由它换取的访问令牌同时失效"""
    s = request.app.state
    row = await service.revoke_unit_token(
        session, token_id=token_id, principal=principal, revocations=s.revocations,
        settings=s.settings, ctx=_ctx(request),
    )
    return UnitTokenRead.model_validate(row)
