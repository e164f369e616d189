"""Reading the security audit (written by every domain through ``dudao_gateway.audit``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from ..models import SecurityEvent


async def list_events(
    session: AsyncSession,
    *,
    action: str | None,
    unit_id: str | None,
    before: datetime | None,
    limit: int,
) -> list[SecurityEvent]:
    q = select(SecurityEvent).order_by(col(SecurityEvent.at).desc())
    if action:
        # "unit_token" matches unit_token.issue, unit_token.use, …
        q = q.where(
            or_(
                col(SecurityEvent.action) == action,
                col(SecurityEvent.action).startswith(action + "."),
            )
        )
    if unit_id:
        q = q.where(col(SecurityEvent.unit_id) == unit_id)
    if before:
        q = q.where(col(SecurityEvent.at) < before)
    return list(await session.scalars(q.limit(limit)))
