from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String
from sqlmodel import Field

from .base import GatewayModel, new_id


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
