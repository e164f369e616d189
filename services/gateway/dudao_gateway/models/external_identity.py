from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field

from .base import GatewayModel, new_id


class ExternalIdentity(GatewayModel, table=True):
    """An account's identity at an outside sign-in provider (OpenID Connect, the province's
    ticket sign-on): which subject there is which account here."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_external_identity"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    provider: str = Field(max_length=20)
    subject: str = Field(max_length=255)
    user_id: str = Field(
        foreign_key="user_account.id", ondelete="CASCADE", index=True, max_length=36
    )
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SignInFlow(GatewayModel, table=True):
    """One sign-in through an outside provider, from the redirect to the tokens.

    Kept in the database, not in a cookie or memory, so any gateway replica can finish it and
    each step is single-use: the ``state`` is consumed by the callback, the one-time login code
    by the exchange."""

    __tablename__ = "sign_in_flow"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    provider: str = Field(max_length=20)
    state_hash: str = Field(max_length=64, unique=True)
    nonce: str = Field(default="", max_length=100)
    code_verifier: str = Field(default="", max_length=200)
    return_to: str = Field(default="/", max_length=500)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    state_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    user_id: str | None = Field(default=None, max_length=36)
    login_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    login_code_used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
