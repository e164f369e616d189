"""Webhook subscriptions of portals: the admin's API and the events' contract.

Events are thin: what happened and to which public object, with the feed URL to read it from
(``/public/v1/...``), so an event never carries more than the public feed shows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..notifications.schemas import DeliveryAttemptRead

EventType = Literal["plan.published", "task.state_changed", "indicator.assessed", "bulletin.issued"]
EVENT_TYPES: tuple[EventType, ...] = (
    "plan.published",
    "task.state_changed",
    "indicator.assessed",
    "bulletin.issued",
)


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="接收方名称，如 赣服通 分厅")
    url: str = Field(min_length=8, max_length=500, description="接收地址（https）")
    events: list[EventType] = Field(min_length=1, max_length=10, description="订阅的事件")


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = Field(None, min_length=8, max_length=500)
    events: list[EventType] | None = Field(None, min_length=1, max_length=10)
    enabled: bool | None = None


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_hours: int = Field(
        24, ge=0, le=168, description="旧密钥继续参与签名的小时数（接收方在此期间换用新密钥）"
    )


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    url: str
    events: list[str]
    enabled: bool
    previous_secret_until: dt.datetime | None = Field(description="旧密钥停止签名的时间")
    version: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionWithSecret(SubscriptionRead):
    secret: str = Field(description="签名密钥（whsec_…），只在创建和轮换时显示这一次")


class SubscriptionDelivery(BaseModel):
    """One event sent to the receiver, with every try (the delivery log)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event: str = Field(description="事件类型")
    event_id: str = Field(description="事件编号（webhook-id 相同的重发可去重）")
    status: str = Field(description="pending 待发送、sent 已送达、dead 已放弃（重试用尽）")
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    log: list[DeliveryAttemptRead] = Field(default_factory=list, description="每次尝试")


class IndicatorAssessedEvent(BaseModel):
    """What the indicator service reports when an indicator's public value changes (a value
    approved): ids only; the portal reads the value from the feed."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["indicator.assessed"]
    plan_id: str = Field(min_length=1, max_length=64)
    indicator_id: str = Field(min_length=1, max_length=64)
    region_code: str = Field(min_length=6, max_length=6)
    period: str = Field(min_length=4, max_length=7)
    measurement_id: str = Field(min_length=1, max_length=64)
    measurement_version: int = Field(ge=1)


class EventAccepted(BaseModel):
    deliveries: int = Field(description="为此事件新排入的投递数")
