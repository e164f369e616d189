from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["webhook", "email", "sms", "ganzhengtong"]
CHANNELS: tuple[str, ...] = ("webhook", "email", "sms", "ganzhengtong")


class NoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    recipient_unit_id: uuid.UUID | None
    recipient_user: str | None
    kind: str = Field(
        description="类别：due_soon 临期、overdue 逾期、no_report 未填报、"
        "not_acknowledged 未签收、urge 催办 等"
    )
    title: str
    body: str
    plan_id: uuid.UUID | None
    assignment_id: uuid.UUID | None
    created_by: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int


class DeliveryAttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    worker: str | None
    at: dt.datetime


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    target: str
    status: str = Field(description="pending 待发送、sent 已发送、dead 已放弃（重试用尽）")
    attempts: int
    last_error: str | None
    notice_id: uuid.UUID | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    log: list[DeliveryAttemptRead] = Field(default_factory=list, description="每次尝试")


class DeliveryPayload(BaseModel):
    """What every channel is given: a subject and text for people, and the whole as the JSON
    body of a webhook."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    body: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
