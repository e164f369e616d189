from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dudao_shared.regions import RegionCode


class BulletinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: RegionCode | None = Field(
        None, description="只通报该区划内的单位（缺省为规划所属区划）"
    )


class BulletinRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_id: uuid.UUID
    region_code: str = Field(description="通报范围（区划）")
    kind: str = Field(description="scheduled 定期（每月）、on_demand 临时")
    period_start: dt.date = Field(description="通报期开始")
    period_end: dt.date = Field(description="通报期结束")
    title: str
    content: dict[str, Any] = Field(
        description="签发时的内容：totals 总数、units 单位排名、red_list 红榜（逾期与约谈 / 通报名单）、"
        "ranking_rule 排名规则"
    )
    issued_by: str
    issued_at: dt.datetime


class BulletinSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_id: uuid.UUID
    region_code: str
    kind: str
    period_start: dt.date
    period_end: dt.date
    title: str
    issued_by: str
    issued_at: dt.datetime
