"""Sign-in through an outside identity provider, whatever its protocol: begin (a state kept in
the database, single-use), finish (the provider's identity linked to an existing account by
the configured rule; never creates an account), and the one-time login code the browser
exchanges for the gateway's own tokens.

The protocols are adapters (``oidc.OidcProvider``, ``ticket.TicketProvider``); this module sees
only an ``Identity``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.clock import utcnow
from dudao_shared.errors import Forbidden, NotFound
from dudao_shared.tokens import TokenSigner

from ..audit import AuditContext, record
from ..config import Settings
from ..hashing import sha256
from ..models import AuthSession, ExternalIdentity, SignInFlow, User
from .oidc import Identity, OidcProvider, SignInRefused
from .ticket import TicketProvider

LOGIN_CODE_SECONDS = 60
LABELS = {"oidc": "OpenID Connect", "ticket": "统一身份认证平台"}


class ProviderNotConfigured(NotFound):
    code, title = "sso_not_configured", "未配置该登录方式"


class NotLinked(Forbidden):
    code, title = "sso_not_linked", "统一身份未关联平台账号"


@dataclass
class Providers:
    """The outside providers this gateway is configured for (each may be absent)."""

    oidc: OidcProvider | None
    ticket: TicketProvider | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Providers:
        oidc = (
            OidcProvider(
                issuer=settings.oidc_issuer,
                client_id=settings.oidc_client_id,
                client_secret=settings.oidc_client_secret,
                scope=settings.oidc_scope,
                alg=settings.oidc_id_token_alg,
                timeout=settings.sso_outbound_timeout_seconds,
            )
            if settings.oidc_issuer
            else None
        )
        ticket = (
            TicketProvider(
                login_url=settings.ticket_login_url,
                validate_url=settings.ticket_validate_url,
                service_url=settings.ticket_service_url,
                subject_attribute=settings.ticket_subject_attribute,
                timeout=settings.sso_outbound_timeout_seconds,
            )
            if settings.ticket_login_url
            else None
        )
        return cls(oidc, ticket)

    def need_oidc(self) -> OidcProvider:
        if self.oidc is None:
            raise ProviderNotConfigured("本平台未配置 OpenID Connect 登录")
        return self.oidc

    def need_ticket(self) -> TicketProvider:
        if self.ticket is None:
            raise ProviderNotConfigured("本平台未配置统一身份认证平台的票据登录")
        return self.ticket


def safe_return_to(raw: str | None, default: str) -> str:
    """Only a path on this site: never another host (an open redirect would hand the login
    code to whoever built the link)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return default
    return raw[:500]


def _refused(
    session: AsyncSession, provider: str, detail: str, ctx: AuditContext, subject: str = ""
) -> None:
    record(
        session,
        action=f"login_{provider}",
        subject=subject,
        outcome="failed",
        ctx=ctx,
        detail=detail,
    )


async def begin(
    session: AsyncSession, *, provider: str, return_to: str, settings: Settings
) -> tuple[SignInFlow, str]:
    """A new flow and its raw ``state`` (only its digest is stored)."""
    now = utcnow()
    state = secrets.token_urlsafe(32)
    flow = SignInFlow(
        provider=provider,
        state_hash=sha256(state),
        nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(48),
        return_to=return_to,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.sso_flow_seconds),
    )
    session.add(flow)
    await session.flush()
    return flow, state


async def consume_state(
    session: AsyncSession, *, provider: str, state: str | None, ctx: AuditContext
) -> SignInFlow:
    """The flow ``state`` names, marked used; a wrong, reused or stale state is a 401."""
    flow = None
    if state:
        flow = await session.scalar(
            select(SignInFlow)
            .where(col(SignInFlow.state_hash) == sha256(state[:200]))
            .with_for_update()
        )
    if (
        flow is None
        or flow.provider != provider
        or flow.state_used_at is not None
        or flow.expires_at <= utcnow()
    ):
        _refused(session, provider, "bad state", ctx)
        raise SignInRefused("登录状态（state）无效、已使用或已过期，请重新登录")
    flow.state_used_at = utcnow()
    await session.flush()
    return flow


def _username_from(identity: Identity, link_by: str) -> str | None:
    if link_by == "username":
        value: Any = identity.claims.get("preferred_username") or identity.claims.get("user")
    elif link_by.startswith("claim:"):
        value = identity.claims.get(link_by.removeprefix("claim:"))
    else:
        return None
    return value if isinstance(value, str) and value else None


async def link(
    session: AsyncSession, *, identity: Identity, settings: Settings, ctx: AuditContext
) -> User:
    """The account the identity signs in as: an admin's explicit link first, then the
    configured rule. An identity that matches no active account is refused; none is created."""
    linked = await session.scalar(
        select(User)
        .join(ExternalIdentity, col(ExternalIdentity.user_id) == col(User.id))
        .where(
            col(ExternalIdentity.provider) == identity.provider,
            col(ExternalIdentity.subject) == identity.subject,
        )
    )
    user = linked
    if user is None:
        username = _username_from(identity, settings.sso_link_by)
        if username:
            user = await session.scalar(select(User).where(col(User.username) == username[:64]))
    if user is None or not user.is_active:
        _refused(session, identity.provider, "no linked account", ctx, subject=identity.subject)
        raise NotLinked(
            f"{LABELS[identity.provider]}的账号（{identity.subject[:60]}）未关联本平台账号，"
            "请联系管理员关联后再登录"
        )
    return user


async def issue_login_code(
    session: AsyncSession, *, flow: SignInFlow, user: User, ctx: AuditContext
) -> str:
    code = secrets.token_urlsafe(32)
    flow.user_id = user.id
    flow.login_code_hash = sha256(code)
    flow.expires_at = utcnow() + timedelta(seconds=LOGIN_CODE_SECONDS)
    record(
        session,
        action=f"login_{flow.provider}",
        actor=user.username,
        subject=user.username,
        ctx=ctx,
        detail="identity verified",
    )
    await session.flush()
    return code


async def exchange_login_code(
    session: AsyncSession,
    *,
    code: str,
    signer: TokenSigner,
    settings: Settings,
    ctx: AuditContext,
) -> tuple[User, AuthSession]:
    flow = await session.scalar(
        select(SignInFlow).where(col(SignInFlow.login_code_hash) == sha256(code)).with_for_update()
    )
    if flow is None or flow.login_code_used_at is not None or flow.expires_at <= utcnow():
        _refused(session, flow.provider if flow else "sso", "bad login code", ctx)
        raise SignInRefused("登录码无效、已使用或已过期，请重新登录")
    flow.login_code_used_at = utcnow()
    user = await session.get(User, flow.user_id) if flow.user_id else None
    if user is None or not user.is_active:
        raise SignInRefused("账号不可用")
    now = utcnow()
    auth = AuthSession(
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.session_absolute_seconds),
    )
    session.add(auth)
    record(
        session,
        action="login",
        actor=user.username,
        subject=user.username,
        ctx=ctx,
        detail=f"via {flow.provider}",
    )
    await session.flush()
    return user, auth


def redirect_with_code(return_to: str, code: str) -> str:
    # In the fragment: never sent to a server, not in access logs.
    return f"{return_to}#sso_code={code}"
