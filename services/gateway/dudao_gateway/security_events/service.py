"""Reading the security audit (written by every domain through ``dudao_gateway.audit``)."""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.pagination import paginate

from ..models import SecurityEvent


async def list_events(
    session: AsyncSession,
    *,
    action: str | None,
    unit_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[SecurityEvent], str | None]:
    """A page of events, newest first."""
    q = select(SecurityEvent)
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
    return await paginate(
        session,
        q,
        limit=limit,
        cursor=cursor,
        order_by=[col(SecurityEvent.at).desc(), col(SecurityEvent.id).desc()],
    )
