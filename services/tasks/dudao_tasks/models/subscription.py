from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

_subscription_version = version_column()


class Subscription(TasksModel, table=True):
    """A portal's webhook receiver (赣服通, a 政府网站 column): which public events it is sent,
    signed with its secret (Standard Webhooks). After a rotation the previous secret signs too,
    until ``previous_secret_until``, so the receiver can switch without missing a message."""

    __tablename__ = "subscription"
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _subscription_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    url: str = Field(max_length=500)
    events: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_until: dt.datetime | None = Field(
        default=None, sa_type=sa.DateTime(timezone=True)
    )
    enabled: bool = True
    version: int = Field(default=1, sa_column=_subscription_version)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )
