"""Accounts: create, change (a change of password, role or status ends the user's sessions).

Services flush; the request's session dependency commits.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import RevocationList
from dudao_shared.clock import utcnow
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.pagination import paginate
from dudao_shared.versioning import flush_versioned

from .. import throttle
from ..audit import record
from ..hashing import hash_password
from ..models import AuthSession, User
from ..revocation import revoke_sessions
from .schemas import UserCreate, UserUpdate


class UserNotFound(NotFound):
    code, title = "user_not_found", "用户不存在"


async def create_user(session: AsyncSession, *, data: UserCreate, actor: str) -> User:
    if data.role == "unit" and not data.unit_id:
        raise ValidationFailed(
            "单位操作员账号必须指定单位", errors=[{"field": "unit_id", "message": "必填"}]
        )
    exists = await session.scalar(select(User.id).where(col(User.username) == data.username))
    if exists:
        raise Conflict(
            f"用户名 {data.username} 已存在", code="username_taken", title="用户名已存在"
        )
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=await hash_password(data.password),
        role=data.role,
        unit_id=data.unit_id if data.role == "unit" else None,
        region_code=data.region_code,
        created_at=utcnow(),
    )
    session.add(user)
    await session.flush()
    record(
        session,
        action="user.create",
        actor=actor,
        subject=user.username,
        detail=f"role={user.role}",
    )
    return user


async def get_user(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFound("用户不存在")
    return user


async def update_user(
    session: AsyncSession,
    *,
    user: User,
    data: UserUpdate,
    actor: str,
    revocations: RevocationList,
    access_token_ttl_seconds: int,
) -> User:
    changed = data.model_dump(
        include={"display_name", "role", "region_code", "is_active"}, exclude_none=True
    )
    for field, value in changed.items():
        setattr(user, field, value)
    if data.password is not None:
        user.password_hash = await hash_password(data.password)
        changed["password_hash"] = True
    if data.unlock:
        user.failed_logins = 0
        user.locked_until = None
        await throttle.unlock(session, user.username)
        changed["unlock"] = True
    await flush_versioned(session)
    if data.is_active is False or data.password is not None or data.role is not None:
        # Whoever held the old password or role must sign in again.
        sids = list(
            await session.scalars(
                select(AuthSession.id).where(
                    col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None)
                )
            )
        )
        await revoke_sessions(
            session,
            sids,
            revocations=revocations,
            access_token_ttl_seconds=access_token_ttl_seconds,
        )
    record(
        session,
        action="user.update",
        actor=actor,
        subject=user.username,
        detail=",".join(sorted(changed)),
    )
    return user


async def list_users(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[User], str | None]:
    """A page of accounts by username."""
    return await paginate(
        session,
        select(User),
        limit=limit,
        cursor=cursor,
        order_by=[col(User.username).asc(), col(User.id).asc()],
    )


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)
