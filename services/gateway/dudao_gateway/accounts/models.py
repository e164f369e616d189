from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, String, UniqueConstraint
from sqlmodel import Field

from ..base import GatewayModel


def new_id() -> str:
    return str(uuid.uuid4())


class User(GatewayModel, table=True):
    """A staff account (or a unit's operator account) that signs in with a password."""

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("username", name="uq_user_account_username"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    username: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=100)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    unit_id: str | None = Field(default=None, max_length=36)
    region_code: str | None = Field(default=None, max_length=6)
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    version: int = 1
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AuthSession(GatewayModel, table=True):
    """One sign-in: its access tokens carry ``sid``; revoking it revokes them all."""

    __tablename__ = "auth_session"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str | None = Field(default=None, foreign_key="user_account.id", max_length=36)
    unit_token_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class RefreshToken(GatewayModel, table=True):
    """Rotating refresh tokens: each use replaces it; a reused one revokes the session."""

    __tablename__ = "refresh_token"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    session_id: str = Field(foreign_key="auth_session.id", index=True, max_length=36)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class UnitToken(GatewayModel, table=True):
    """单位令牌: an opaque secret for one unit, shown once and stored only as a hash."""

    __tablename__ = "unit_token"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    unit_name: str = Field(default="", max_length=200)
    # The unit's region when issued: planners manage the tokens of their region only.
    region_code: str | None = Field(default=None, max_length=6, index=True)
    label: str = Field(default="", max_length=100)
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    use_count: int = 0


class SecurityEvent(GatewayModel, table=True):
    """Audit of sign-ins, token issue/use/revocation and account changes."""

    __tablename__ = "security_event"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    action: str = Field(max_length=40, index=True)
    actor: str = Field(default="", max_length=100)
    subject: str = Field(default="", max_length=100)
    unit_id: str | None = Field(default=None, max_length=36)
    outcome: str = Field(default="ok", max_length=16)
    ip: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=128)
    detail: str = Field(default="", max_length=1000)
