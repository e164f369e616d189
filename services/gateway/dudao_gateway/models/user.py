from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field

from dudao_shared.versioning import version_column

from .base import GatewayModel, new_id

_version = version_column()


class User(GatewayModel, table=True):
    """A staff account (or a unit's operator account) that signs in with a password."""

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("username", name="uq_user_account_username"),)
    # Every UPDATE bumps it and is guarded by it (dudao_shared.versioning).
    __mapper_args__: Any = {"version_id_col": _version}

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
    version: int = Field(default=1, sa_column=_version)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
