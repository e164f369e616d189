"""Ending sign-in sessions: in the database (the truth every gateway replica and service
polls) and in this process's revocation list (so the next request is already refused)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import RevocationList
from dudao_shared.clock import utcnow

from .models import AuthSession


async def revoke_sessions(
    session: AsyncSession,
    sids: Sequence[str],
    *,
    revocations: RevocationList,
    access_token_ttl_seconds: int,
) -> None:
    if not sids:
        return
    now = utcnow()
    await session.execute(
        update(AuthSession)
        .where(col(AuthSession.id).in_(sids), col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    # Access tokens of these sessions die by themselves at the latest one lifetime from now.
    until = now.timestamp() + access_token_ttl_seconds
    for sid in sids:
        revocations.revoke(sid, until)


async def active_revocations(
    session: AsyncSession, *, access_token_ttl_seconds: int
) -> dict[str, float]:
    """Revoked sessions whose access tokens may still be alive: sid → until (epoch seconds)."""
    horizon = utcnow() - timedelta(seconds=access_token_ttl_seconds)
    rows = await session.execute(
        select(AuthSession.id, AuthSession.revoked_at).where(col(AuthSession.revoked_at) > horizon)
    )
    return {sid: at.timestamp() + access_token_ttl_seconds for sid, at in rows if at is not None}
