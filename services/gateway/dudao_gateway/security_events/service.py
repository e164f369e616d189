"""Reading the security audit (written by every domain through ``dudao_gateway.audit``), and
recording the broken audit chains the periodic verification finds in any service."""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.audit_chain import ChainStatus
from dudao_shared.pagination import paginate

from ..audit import record
from ..models import SecurityEvent

CHAIN_BROKEN = "audit_chain_broken"


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


async def record_breaks(session: AsyncSession, reports: list[ChainStatus]) -> int:
    """One security event per broken chain, the first time that break is seen: the check runs
    hourly, and a break stays until an operator repairs it, so a repeat is not news."""
    written = 0
    for report in reports:
        if report.ok:
            continue
        detail = report.describe()
        seen = await session.execute(
            select(SecurityEvent.id)
            .where(SecurityEvent.action == CHAIN_BROKEN, SecurityEvent.detail == detail[:1000])
            .limit(1)
        )
        if seen.first() is not None:
            continue
        record(
            session,
            action=CHAIN_BROKEN,
            actor="system",
            subject=f"{report.service}.{report.table}",
            outcome="broken",
            detail=detail,
        )
        written += 1
    await session.flush()
    return written
