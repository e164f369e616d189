from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String
from sqlmodel import Field

from .base import GatewayModel


class SignInThrottle(GatewayModel, table=True):
    """Failed sign-ins per key (an address, an account, an account from one address), shared by
    every gateway replica; a key over its allowance is refused until ``blocked_until``."""

    __tablename__ = "sign_in_throttle"

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    failures: int = 0
    blocked_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
