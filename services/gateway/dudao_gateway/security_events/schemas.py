from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class SecurityEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    at: datetime
    action: str
    actor: str
    subject: str
    unit_id: str | None
    outcome: str
    ip: str | None
    request_id: str | None
    detail: str


class BreaksRecorded(BaseModel):
    recorded: int
