"""Reading the indicator service's audit trail (written by ``audit_trail`` at flush time)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.pagination import paginate

from ..models import AuditEvent


async def list_for_indicator(
    session: AsyncSession, *, indicator_id: str, limit: int, cursor: str | None
) -> tuple[list[AuditEvent], str | None]:
    """One page of an indicator's events (its own, its targets', grants' and values'), in
    the order they were recorded."""
    stmt = select(AuditEvent).where(AuditEvent.indicator_id == indicator_id)
    return await paginate(
        session, stmt, limit=limit, cursor=cursor, order_by=[col(AuditEvent.seq).asc()]
    )
