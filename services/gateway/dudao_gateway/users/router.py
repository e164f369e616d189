"""Accounts (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.versioning import IfMatchVersion, require_version, set_etag

from ..dependencies import RevocationsDep, SettingsDep
from . import service
from .dependencies import ManagedUser, NewUser, UserManager
from .schemas import ExternalIdentityCreate, ExternalIdentityRead, UserRead, UserUpdate

router = APIRouter(tags=["users"])


@router.post(
    "/api/v1/users",
    response_model=UserRead,
    status_code=201,
    responses=problem_responses(Forbidden, Conflict, ValidationFailed),
)
async def create_user(
    body: NewUser, principal: UserManager, session: SessionDep, response: Response
) -> UserRead:
    """创建账号（管理员）"""
    user = await service.create_user(session, data=body, actor=principal.sub)
    set_etag(response, user.version)
    return UserRead.model_validate(user)


@router.get(
    "/api/v1/users",
    response_model=Page[UserRead],
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def list_users(
    _: UserManager, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[UserRead]:
    """账号列表（管理员，按用户名）"""
    rows, next_cursor = await service.list_users(session, limit=limit, cursor=cursor)
    return Page(items=[UserRead.model_validate(u) for u in rows], next_cursor=next_cursor)


@router.get(
    "/api/v1/users/{user_id}",
    response_model=UserRead,
    responses=problem_responses(Forbidden, NotFound),
)
async def get_user(user: ManagedUser, response: Response) -> UserRead:
    """查看账号（管理员）"""
    set_etag(response, user.version)
    return UserRead.model_validate(user)


@router.patch(
    "/api/v1/users/{user_id}",
    response_model=UserRead,
    responses=problem_responses(Forbidden, NotFound, PreconditionFailed, PreconditionRequired),
)
async def update_user(
    user: ManagedUser,
    body: UserUpdate,
    principal: UserManager,
    session: SessionDep,
    settings: SettingsDep,
    revocations: RevocationsDep,
    expected: IfMatchVersion,
    response: Response,
) -> UserRead:
    """修改账号：角色、停用、重置密码、解除锁定（管理员，需 If-Match）"""
    require_version(user.version, expected)
    user = await service.update_user(
        session,
        user=user,
        data=body,
        actor=principal.sub,
        revocations=revocations,
        access_token_ttl_seconds=settings.access_token_ttl_seconds,
    )
    set_etag(response, user.version)
    return UserRead.model_validate(user)


@router.post(
    "/api/v1/users/{user_id}/external_identities",
    response_model=ExternalIdentityRead,
    status_code=201,
    responses=problem_responses(Forbidden, NotFound, Conflict, ValidationFailed),
)
async def link_external_identity(
    user: ManagedUser, body: ExternalIdentityCreate, principal: UserManager, session: SessionDep
) -> ExternalIdentityRead:
    """关联统一身份认证账号（管理员；登录关联规则为 subject 时据此登录）"""
    row = await service.link_identity(session, user=user, data=body, actor=principal.sub)
    return ExternalIdentityRead.model_validate(row)


@router.get(
    "/api/v1/users/{user_id}/external_identities",
    response_model=Page[ExternalIdentityRead],
    responses=problem_responses(Forbidden, NotFound),
)
async def list_external_identities(
    user: ManagedUser, session: SessionDep
) -> Page[ExternalIdentityRead]:
    """账号关联的统一身份认证账号（管理员）"""
    rows = await service.identities_of(session, user=user)
    return Page(items=[ExternalIdentityRead.model_validate(r) for r in rows], next_cursor=None)
