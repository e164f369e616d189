from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime
from sqlmodel import Field

from .base import GatewayModel, new_id


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
    # The hash chain (``dudao_shared.audit_chain``): set by the database's insert trigger.
    seq: int | None = Field(
        default=None, sa_type=BigInteger, unique=True, sa_column_kwargs={"nullable": False}
    )
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)
