"""Accounts: create, change (a change of password, role or status ends the user's sessions).

Services flush; the request's session dependency commits.
"""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import RevocationList
from dudao_shared.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed

from ..audit import record
from ..clock import utcnow
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
    expected_version: int,
    actor: str,
    revocations: RevocationList,
    access_token_ttl_seconds: int,
) -> User:
    values: dict[str, object] = data.model_dump(
        include={"display_name", "role", "region_code", "is_active"}, exclude_none=True
    )
    if data.password is not None:
        values["password_hash"] = await hash_password(data.password)
    if data.unlock:
        values["failed_logins"] = 0
        values["locked_until"] = None
    changed = await session.scalar(
        update(User)
        .where(col(User.id) == user.id, col(User.version) == expected_version)
        .values(**values, version=col(User.version) + 1)
        .returning(col(User.id))
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        raise PreconditionFailed("用户数据已被修改，请刷新后重试")
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
        detail=",".join(sorted(values)),
    )
    await session.refresh(user)
    return user


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(col(User.username)).limit(500)))


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)
