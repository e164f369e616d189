from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field

from .base import GatewayModel


class RateBucket(GatewayModel, table=True):
    """Requests of one client in one fixed window; in the database so every gateway replica
    counts against the same limit."""

    __tablename__ = "rate_bucket"

    client: str = Field(primary_key=True, max_length=100)
    window_start: datetime = Field(
        sa_column=Column(DateTime(timezone=True), primary_key=True, index=True)
    )
    hits: int = Field(default=0)
