"""Sign-in sessions: password sign-in with lockout, unit-token sign-in, rotating refresh
tokens, sign-out. Every access token carries its session's id (``sid``), so ending the session
ends its tokens.

Services flush; the request's session dependency commits.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal, RevocationList
from dudao_shared.clock import utcnow
from dudao_shared.errors import Unauthorized
from dudao_shared.tokens import TokenSigner

from .. import throttle
from ..audit import AuditContext, record
from ..config import Settings
from ..hashing import DUMMY_HASH, password_matches, sha256
from ..models import AuthSession, RefreshToken, UnitToken, User
from ..revocation import active_revocations, revoke_sessions
from . import external
from .oidc import OidcProvider, SignInRefused
from .schemas import (
    OidcSettingsView,
    Revocation,
    SsoSettings,
    TicketSettingsView,
    TokenPair,
)

REFRESH_PREFIX = "ddr_"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


async def sign_in(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    signer: TokenSigner,
    settings: Settings,
    ctx: AuditContext,
) -> TokenPair:
    """A password sign-in, throttled per address and account (``..throttle``); the answers do
    not tell an existing account from an unknown one. The caller keeps the rows of a failure."""
    keys = throttle.keys_for(username, ctx.ip)
    try:
        await throttle.check(session, keys)
    except throttle.SignInThrottled:
        record(session, action="login", subject=username, outcome="throttled", ctx=ctx)
        raise
    user = await session.scalar(select(User).where(col(User.username) == username))
    now = utcnow()
    if user is None:
        await password_matches(DUMMY_HASH, password)
        ok = False
    else:
        ok = await password_matches(user.password_hash, password) and user.is_active
    if user is None or not ok:
        await throttle.record_failure(session, keys)
        record(
            session,
            action="login",
            subject=username,
            outcome="failed",
            ctx=ctx,
            detail="unknown user" if user is None else "",
        )
        raise InvalidCredentials("用户名或密码错误")
    await throttle.record_success(session, keys)
    record(session, action="login", actor=username, subject=username, ctx=ctx)
    auth = AuthSession(
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.session_absolute_seconds),
    )
    session.add(auth)
    await session.flush()
    return _user_tokens(session, user=user, auth=auth, signer=signer, settings=settings)


async def refresh(
    session: AsyncSession,
    *,
    raw: str,
    signer: TokenSigner,
    settings: Settings,
    revocations: RevocationList,
    ctx: AuditContext,
) -> TokenPair:
    now = utcnow()
    row = await session.scalar(
        select(RefreshToken).where(col(RefreshToken.token_hash) == sha256(raw)).with_for_update()
    )
    if row is None or row.expires_at <= now:
        raise Unauthorized("刷新令牌无效或已过期，请重新登录", code="invalid_refresh_token")
    auth = await session.get(AuthSession, row.session_id)
    if auth is None or auth.revoked_at is not None:
        raise Unauthorized("登录会话已注销，请重新登录", code="session_revoked")
    if auth.expires_at <= now:
        raise Unauthorized("登录会话已到期，请重新登录", code="session_expired")
    # A refresh token used twice means it was copied: end the whole session.
    claimed = await session.scalar(
        update(RefreshToken)
        .where(col(RefreshToken.id) == row.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
        .returning(col(RefreshToken.id))
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        await revoke_sessions(
            session,
            [auth.id],
            revocations=revocations,
            access_token_ttl_seconds=settings.access_token_ttl_seconds,
        )
        record(
            session, action="refresh.reuse", subject=auth.user_id or "", outcome="revoked", ctx=ctx
        )
        raise Unauthorized("刷新令牌已被使用，会话已注销，请重新登录", code="refresh_token_reused")
    user = await session.get(User, auth.user_id) if auth.user_id else None
    if user is None or not user.is_active:
        raise Unauthorized("账号不可用", code="account_disabled")
    return _user_tokens(session, user=user, auth=auth, signer=signer, settings=settings)


async def sign_in_with_unit_token(
    session: AsyncSession, *, raw: str, signer: TokenSigner, settings: Settings, ctx: AuditContext
) -> TokenPair:
    """A unit token buys a short session of one access token's lifetime and no refresh."""
    now = utcnow()
    row = await session.scalar(select(UnitToken).where(col(UnitToken.secret_hash) == sha256(raw)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        record(
            session,
            action="unit_token.use",
            subject=raw[:12],
            outcome="failed",
            ctx=ctx,
            unit_id=row.unit_id if row else None,
        )
        raise Unauthorized("单位令牌无效、已过期或已撤销", code="invalid_unit_token")
    await session.execute(
        update(UnitToken)
        .where(col(UnitToken.id) == row.id)
        .values(last_used_at=now, use_count=col(UnitToken.use_count) + 1)
        .execution_options(synchronize_session=False)
    )
    auth = AuthSession(
        unit_token_id=row.id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.access_token_ttl_seconds),
    )
    session.add(auth)
    await session.flush()
    record(
        session,
        action="unit_token.use",
        actor=f"unit_token:{row.id}",
        subject=row.id,
        unit_id=row.unit_id,
        ctx=ctx,
    )
    token, exp = signer.issue(
        sub=f"unit_token:{row.id}",
        role="unit",
        ttl_seconds=settings.access_token_ttl_seconds,
        sid=auth.id,
        unit_id=row.unit_id,
        name=row.unit_name or None,
    )
    return TokenPair(
        access_token=token, expires_in=_remaining(exp), role="unit", unit_id=row.unit_id
    )


async def sign_out(
    session: AsyncSession,
    *,
    principal: Principal,
    revocations: RevocationList,
    settings: Settings,
    ctx: AuditContext,
) -> None:
    if principal.sid:
        await revoke_sessions(
            session,
            [principal.sid],
            revocations=revocations,
            access_token_ttl_seconds=settings.access_token_ttl_seconds,
        )
    record(
        session,
        action="logout",
        actor=principal.sub,
        subject=principal.sub,
        unit_id=principal.unit_id,
        ctx=ctx,
    )


async def start_external(
    session: AsyncSession,
    *,
    providers: external.Providers,
    provider: str,
    settings: Settings,
    return_to: str | None,
    redirect_uri: str,
) -> str:
    """Where to send the browser to sign in at the outside provider."""
    adapter = providers.need_oidc() if provider == "oidc" else providers.need_ticket()
    target = external.safe_return_to(return_to, settings.sso_return_to)
    flow, state = await external.begin(
        session, provider=provider, return_to=target, settings=settings
    )
    if isinstance(adapter, OidcProvider):
        return await adapter.authorization_url(
            redirect_uri=redirect_uri,
            state=state,
            nonce=flow.nonce,
            code_verifier=flow.code_verifier,
        )
    return adapter.login_redirect(state=state, service_url=redirect_uri)


async def finish_oidc(
    session: AsyncSession,
    *,
    providers: external.Providers,
    settings: Settings,
    ctx: AuditContext,
    code: str | None,
    state: str | None,
    error: str | None,
    redirect_uri: str,
) -> str:
    """The provider's redirect back: state, code exchange, ID token, account; the browser's
    next stop (with a one-time login code)."""
    oidc = providers.need_oidc()
    flow = await external.consume_state(session, provider="oidc", state=state, ctx=ctx)
    if error or not code:
        raise SignInRefused(f"身份提供方未完成登录（{(error or '缺少授权码')[:60]}）")
    id_token = await oidc.exchange(
        code=code[:2000], redirect_uri=redirect_uri, code_verifier=flow.code_verifier
    )
    try:
        identity = await oidc.verify(id_token, nonce=flow.nonce)
    except SignInRefused as refused:
        record(session, action="login_oidc", outcome="failed", ctx=ctx, detail=str(refused))
        raise
    user = await external.link(session, identity=identity, settings=settings, ctx=ctx)
    login_code = await external.issue_login_code(session, flow=flow, user=user, ctx=ctx)
    return external.redirect_with_code(flow.return_to, login_code)


async def finish_ticket(
    session: AsyncSession,
    *,
    providers: external.Providers,
    settings: Settings,
    ctx: AuditContext,
    ticket: str | None,
    state: str | None,
    service_url: str,
) -> str:
    adapter = providers.need_ticket()
    flow = await external.consume_state(session, provider="ticket", state=state, ctx=ctx)
    if not ticket:
        raise SignInRefused("统一身份认证平台未返回票据")
    try:
        identity = await adapter.validate(
            ticket=ticket[:2000], state=state or "", service_url=service_url
        )
    except SignInRefused as refused:
        record(session, action="login_ticket", outcome="failed", ctx=ctx, detail=str(refused))
        raise
    user = await external.link(session, identity=identity, settings=settings, ctx=ctx)
    login_code = await external.issue_login_code(session, flow=flow, user=user, ctx=ctx)
    return external.redirect_with_code(flow.return_to, login_code)


async def sign_in_with_login_code(
    session: AsyncSession,
    *,
    code: str,
    signer: TokenSigner,
    settings: Settings,
    ctx: AuditContext,
) -> TokenPair:
    """The one-time code from an outside sign-in for the gateway's own tokens, as after a
    password sign-in."""
    user, auth = await external.exchange_login_code(
        session, code=code, signer=signer, settings=settings, ctx=ctx
    )
    return _user_tokens(session, user=user, auth=auth, signer=signer, settings=settings)


async def revocations_in_force(session: AsyncSession, *, settings: Settings) -> list[Revocation]:
    entries = await active_revocations(
        session, access_token_ttl_seconds=settings.access_token_ttl_seconds
    )
    return [Revocation(sid=sid, until=until) for sid, until in entries.items()]


def _user_tokens(
    session: AsyncSession,
    *,
    user: User,
    auth: AuthSession,
    signer: TokenSigner,
    settings: Settings,
) -> TokenPair:
    raw = REFRESH_PREFIX + secrets.token_urlsafe(32)
    # Each refresh token lives one idle period, never past the session's absolute end.
    refresh_expires = min(
        utcnow() + timedelta(seconds=settings.session_idle_seconds), auth.expires_at
    )
    session.add(
        RefreshToken(session_id=auth.id, token_hash=sha256(raw), expires_at=refresh_expires)
    )
    token, exp = signer.issue(
        sub=f"user:{user.id}",
        role=user.role,
        ttl_seconds=settings.access_token_ttl_seconds,
        sid=auth.id,
        unit_id=user.unit_id,
        region_code=user.region_code,
        name=user.display_name or user.username,
    )
    return TokenPair(
        access_token=token,
        expires_in=_remaining(exp),
        refresh_token=raw,
        refresh_expires_at=refresh_expires,
        role=user.role,
        unit_id=user.unit_id,
    )


def _remaining(exp: int) -> int:
    """Seconds the token has left, measured now (not from the request's start)."""
    return max(0, exp - int(time.time()))


def sso_settings(settings: Settings) -> SsoSettings:
    """What an admin may read of the outside sign-in configuration: everything but the client
    secret, which never leaves the gateway's configuration."""
    oidc = None
    if settings.oidc_issuer:
        oidc = OidcSettingsView(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            scope=settings.oidc_scope,
            id_token_alg=settings.oidc_id_token_alg,
            redirect_uri=settings.oidc_redirect_uri,
        )
    ticket = None
    if settings.ticket_login_url:
        ticket = TicketSettingsView(
            login_url=settings.ticket_login_url,
            validate_url=settings.ticket_validate_url,
            service_url=settings.ticket_service_url,
            subject_attribute=settings.ticket_subject_attribute,
        )
    return SsoSettings(
        link_by=settings.sso_link_by,
        oidc=oidc,
        ticket=ticket,
        return_to=settings.sso_return_to,
        flow_seconds=settings.sso_flow_seconds,
    )
