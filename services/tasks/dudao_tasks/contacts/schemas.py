from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["webhook", "email", "sms", "ganzhengtong"] = Field(
        description="webhook 回调地址、email 电子邮件、sms 手机短信、ganzhengtong 赣政通"
    )
    target: str = Field(
        min_length=1,
        max_length=500,
        description="回调地址（https）、邮箱、手机号（11 位）或赣政通账号",
    )

    @field_validator("target")
    @classmethod
    def _target_fits_channel(cls, value: str, info: ValidationInfo) -> str:
        t = value.strip()
        channel = info.data.get("channel")
        if channel == "email" and not EMAIL.match(t):
            raise ValueError("邮箱地址格式不正确")
        if channel == "sms" and not MOBILE.match(t):
            raise ValueError("手机号应为 11 位大陆手机号")
        return t


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_id: uuid.UUID
    channel: str
    target: str
    enabled: bool
    created_by: str
    created_at: dt.datetime


class ContactCreated(ContactRead):
    secret: str | None = Field(
        None, description="webhook 的签名密钥（whsec_…），只在创建时返回这一次"
    )
