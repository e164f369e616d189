"""Accounts, sign-in sessions, refresh rotation, unit tokens and their audit.

Services flush; the request's session dependency commits.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.auth import Principal, RevocationList
from dudao_shared.context import request_id_var
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    Locked,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)
from dudao_shared.regions import can_write_region, region_prefix
from dudao_shared.tokens import TokenSigner

from ..config import Settings
from .models import AuthSession, RefreshToken, SecurityEvent, UnitToken, User
from .schemas import TokenPair, UnitTokenCreate, UserCreate, UserUpdate

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a miss costs as much as a wrong
# password and response time does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("dudao-timing-equaliser")

UNIT_TOKEN_PREFIX = "ddu_"
REFRESH_PREFIX = "ddr_"


def utcnow() -> datetime:
    return datetime.now(UTC)


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def password_matches(hash_: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(hash_, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)


@dataclass
class Context:
    """What the audit needs to know about the request."""

    ip: str | None = None


async def record(
    session: AsyncSession,
    *,
    action: str,
    actor: str = "",
    subject: str = "",
    unit_id: str | None = None,
    outcome: str = "ok",
    detail: str = "",
    ctx: Context | None = None,
) -> None:
    session.add(
        SecurityEvent(
            at=utcnow(),
            action=action,
            actor=actor[:100],
            subject=subject[:100],
            unit_id=unit_id,
            outcome=outcome,
            ip=(ctx.ip if ctx else None),
            request_id=request_id_var.get(),
            detail=detail[:1000],
        )
    )


# --- users -------------------------------------------------------------------------------


async def create_user(session: AsyncSession, *, data: UserCreate, actor: str) -> User:
    if data.role == "unit" and not data.unit_id:
        raise ValidationFailed(
            "单位操作员账号必须指定单位", errors=[{"field": "unit_id", "message": "必填"}]
        )
    exists = await session.scalar(select(User.id).where(User.username == data.username))
    if exists:
        raise Conflict(f"用户名 {data.username} 已存在", code="username_taken", title="用户名已存在")
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
    await record(session, action="user.create", actor=actor, subject=user.username,
                 detail=f"role={user.role}")
    return user


async def get_user(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在", code="user_not_found", title="用户不存在")
    return user


async def update_user(
    session: AsyncSession, *, user: User, data: UserUpdate, expected_version: int, actor: str
) -> User:
    values: dict[str, object] = {}
    for field in ("display_name", "role", "region_code", "is_active"):
        v = getattr(data, field)
        if v is not None:
            values[field] = v
    if data.password is not None:
        values["password_hash"] = await hash_password(data.password)
    if data.unlock:
        values["failed_logins"] = 0
        values["locked_until"] = None
    result = await session.execute(
        update(User)
        .where(User.id == user.id, User.version == expected_version)
        .values(**values, version=User.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailed("用户数据已被修改，请刷新后重试")
    if data.is_active is False or data.password is not None or data.role is not None:
        await revoke_user_sessions(session, user_id=user.id)
    await record(session, action="user.update", actor=actor, subject=user.username,
                 detail=",".join(sorted(values)))
    await session.refresh(user)
    return user


# --- sign-in -----------------------------------------------------------------------------


async def authenticate(
    session: AsyncSession, *, username: str, password: str, settings: Settings, ctx: Context
) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is None:
        await password_matches(_DUMMY_HASH, password)
        await record(session, action="login", subject=username, outcome="failed", ctx=ctx,
                     detail="unknown user")
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    locked_until = user.locked_until
    if locked_until and locked_until > now:
        await record(session, action="login", subject=username, outcome="locked", ctx=ctx)
        retry = int((locked_until - now).total_seconds()) + 1
        raise Locked(
            f"连续登录失败次数过多，请 {max(1, retry // 60)} 分钟后再试",
            headers={"Retry-After": str(retry)},
        )
    if not await password_matches(user.password_hash, password) or not user.is_active:
        user.failed_logins += 1
        if user.failed_logins >= settings.lockout_threshold:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
        await record(session, action="login", subject=username, outcome="failed", ctx=ctx)
        await session.flush()
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    user.failed_logins = 0
    user.locked_until = None
    await record(session, action="login", actor=username, subject=username, ctx=ctx)
    return user


def _access_token(
    signer: TokenSigner, settings: Settings, *, sub: str, role: str, sid: str,
    unit_id: str | None, region_code: str | None, name: str | None,
) -> tuple[str, int]:
    return signer.issue(
        sub=sub, role=role, ttl_seconds=settings.access_token_ttl_seconds, sid=sid,
        unit_id=unit_id, region_code=region_code, name=name,
    )


def _remaining(exp: int) -> int:
    """Seconds the token has left, measured now (not from the request's start)."""
    return max(0, exp - int(time.time()))


async def _new_refresh(session: AsyncSession, *, sid: str, settings: Settings) -> tuple[str, datetime]:
    raw = REFRESH_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(seconds=settings.refresh_token_ttl_seconds)
    session.add(RefreshToken(session_id=sid, token_hash=sha256(raw), expires_at=expires))
    return raw, expires


async def start_session(
    session: AsyncSession, *, user: User, signer: TokenSigner, settings: Settings
) -> TokenPair:
    now = utcnow()
    auth = AuthSession(
        user_id=user.id, created_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    session.add(auth)
    await session.flush()
    raw, refresh_exp = await _new_refresh(session, sid=auth.id, settings=settings)
    token, exp = _access_token(
        signer, settings, sub=f"user:{user.id}", role=user.role, sid=auth.id,
        unit_id=user.unit_id, region_code=user.region_code,
        name=user.display_name or user.username,
    )
    return TokenPair(
        access_token=token, expires_in=_remaining(exp), refresh_token=raw,
        refresh_expires_at=refresh_exp, role=user.role, unit_id=user.unit_id,
    )


async def refresh_session(
    session: AsyncSession, *, raw: str, signer: TokenSigner, settings: Settings,
    revocations: RevocationList, ctx: Context,
) -> TokenPair:
    now = utcnow()
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == sha256(raw)).with_for_update()
    )
    if row is None or row.expires_at <= now:
        raise Unauthorized("刷新令牌无效或已过期，请重新登录", code="invalid_refresh_token")
    auth = await session.get(AuthSession, row.session_id)
    if auth is None or auth.revoked_at is not None:
        raise Unauthorized("登录会话已注销，请重新登录", code="session_revoked")
    # A refresh token used twice means it was copied: end the whole session.
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))  # type: ignore[union-attr]
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await _revoke_sessions(session, [auth.id], revocations, settings)
        await record(session, action="refresh.reuse", subject=auth.user_id or "", outcome="revoked",
                     ctx=ctx)
        raise Unauthorized("刷新令牌已被使用，会话已注销，请重新登录", code="refresh_token_reused")
    user = await session.get(User, auth.user_id) if auth.user_id else None
    if user is None or not user.is_active:
        raise Unauthorized("账号不可用", code="account_disabled")
    new_raw, refresh_exp = await _new_refresh(session, sid=auth.id, settings=settings)
    token, exp = _access_token(
        signer, settings, sub=f"user:{user.id}", role=user.role, sid=auth.id,
        unit_id=user.unit_id, region_code=user.region_code,
        name=user.display_name or user.username,
    )
    return TokenPair(
        access_token=token, expires_in=_remaining(exp), refresh_token=new_raw,
        refresh_expires_at=refresh_exp, role=user.role, unit_id=user.unit_id,
    )


async def _revoke_sessions(
    session: AsyncSession, sids: list[str], revocations: RevocationList | None,
    settings: Settings | None,
) -> None:
    if not sids:
        return
    now = utcnow()
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id.in_(sids), AuthSession.revoked_at.is_(None))  # type: ignore[attr-defined,union-attr]
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if revocations is not None and settings is not None:
        until = now.timestamp() + settings.access_token_ttl_seconds
        for sid in sids:
            revocations.revoke(sid, until)


async def logout(
    session: AsyncSession, *, principal: Principal, revocations: RevocationList,
    settings: Settings, ctx: Context,
) -> None:
    if principal.sid:
        await _revoke_sessions(session, [principal.sid], revocations, settings)
    await record(session, action="logout", actor=principal.sub, subject=principal.sub,
                 unit_id=principal.unit_id, ctx=ctx)


async def revoke_user_sessions(session: AsyncSession, *, user_id: str) -> None:
    sids = list(await session.scalars(
        select(AuthSession.id).where(AuthSession.user_id == user_id,
                                     AuthSession.revoked_at.is_(None))  # type: ignore[union-attr]
    ))
    await _revoke_sessions(session, sids, None, None)


async def active_revocations(session: AsyncSession, *, settings: Settings) -> dict[str, float]:
    """Revoked sessions whose access tokens may still be alive."""
    horizon = utcnow() - timedelta(seconds=settings.access_token_ttl_seconds)
    rows = await session.execute(
        select(AuthSession.id, AuthSession.revoked_at).where(
            AuthSession.revoked_at > horizon  # type: ignore[operator]
        )
    )
    ttl = settings.access_token_ttl_seconds
    return {sid: at.timestamp() + ttl for sid, at in rows}


# --- unit tokens -------------------------------------------------------------------------


async def issue_unit_token(
    session: AsyncSession, *, data: UnitTokenCreate, unit_name: str, unit_region: str | None,
    principal: Principal, settings: Settings, ctx: Context,
) -> tuple[UnitToken, str]:
    if not can_write_region(principal, unit_region):
        raise Forbidden(f"单位所在区划 {unit_region} 不在您的权限范围内", code="region_forbidden",
                        title="不在本人负责的行政区划内")
    raw = UNIT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    days = data.expires_in_days or settings.unit_token_default_days
    row = UnitToken(
        unit_id=data.unit_id, unit_name=unit_name[:200], region_code=unit_region,
        label=data.label, prefix=raw[:12],
        secret_hash=sha256(raw), created_by=principal.sub, created_at=now,
        expires_at=now + timedelta(days=min(days, settings.unit_token_max_days)),
    )
    session.add(row)
    await session.flush()
    await record(session, action="unit_token.issue", actor=principal.sub, subject=row.id,
                 unit_id=row.unit_id, ctx=ctx, detail=f"expires={row.expires_at.date()}")
    return row, raw


async def exchange_unit_token(
    session: AsyncSession, *, raw: str, signer: TokenSigner, settings: Settings, ctx: Context
) -> TokenPair:
    now = utcnow()
    row = await session.scalar(select(UnitToken).where(UnitToken.secret_hash == sha256(raw)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        await record(session, action="unit_token.use", subject=raw[:12], outcome="failed", ctx=ctx,
                     unit_id=row.unit_id if row else None)
        raise Unauthorized("单位令牌无效、已过期或已撤销", code="invalid_unit_token")
    await session.execute(
        update(UnitToken).where(UnitToken.id == row.id)
        .values(last_used_at=now, use_count=UnitToken.use_count + 1)
        .execution_options(synchronize_session=False)
    )
    auth = AuthSession(unit_token_id=row.id, created_at=now,
                       expires_at=now + timedelta(seconds=settings.access_token_ttl_seconds))
    session.add(auth)
    await session.flush()
    await record(session, action="unit_token.use", actor=f"unit_token:{row.id}", subject=row.id,
                 unit_id=row.unit_id, ctx=ctx)
    token, exp = _access_token(
        signer, settings, sub=f"unit_token:{row.id}", role="unit", sid=auth.id,
        unit_id=row.unit_id, region_code=None, name=row.unit_name or None,
    )
    return TokenPair(access_token=token, expires_in=_remaining(exp),
                     role="unit", unit_id=row.unit_id)


def _visible_tokens(principal: Principal) -> Any:
    """Planners see the tokens of units in their region; admins see all."""
    if principal.is_admin or not principal.region_code:
        return true()
    return UnitToken.region_code.startswith(region_prefix(principal.region_code))  # type: ignore[union-attr]


async def list_unit_tokens(
    session: AsyncSession, *, principal: Principal, unit_id: str | None, include_revoked: bool
) -> list[UnitToken]:
    q = (select(UnitToken).where(_visible_tokens(principal))
         .order_by(UnitToken.created_at.desc()))  # type: ignore[attr-defined]
    if unit_id:
        q = q.where(UnitToken.unit_id == unit_id)
    if not include_revoked:
        q = q.where(UnitToken.revoked_at.is_(None))  # type: ignore[union-attr]
    return list(await session.scalars(q.limit(500)))


async def revoke_unit_token(
    session: AsyncSession, *, token_id: str, principal: Principal, revocations: RevocationList,
    settings: Settings, ctx: Context,
) -> UnitToken:
    row = await session.scalar(
        select(UnitToken).where(UnitToken.id == token_id, _visible_tokens(principal))
    )
    if row is None:
        raise NotFound("单位令牌不存在", code="unit_token_not_found", title="单位令牌不存在")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        sids = list(await session.scalars(
            select(AuthSession.id).where(AuthSession.unit_token_id == row.id)
        ))
        await _revoke_sessions(session, sids, revocations, settings)
        await record(session, action="unit_token.revoke", actor=principal.sub, subject=row.id,
                     unit_id=row.unit_id, ctx=ctx)
    await session.flush()
    return row


async def list_events(
    session: AsyncSession, *, action: str | None, unit_id: str | None, before: datetime | None,
    limit: int,
) -> list[SecurityEvent]:
    q = select(SecurityEvent).order_by(SecurityEvent.at.desc())  # type: ignore[attr-defined]
    if action:
        q = q.where(or_(SecurityEvent.action == action,
                        SecurityEvent.action.startswith(action + ".")))  # type: ignore[attr-defined]
    if unit_id:
        q = q.where(SecurityEvent.unit_id == unit_id)
    if before:
        q = q.where(SecurityEvent.at < before)
    return list(await session.scalars(q.limit(limit)))


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.username).limit(500)))


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)
