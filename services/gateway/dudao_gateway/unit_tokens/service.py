"""单位令牌: issue (the secret is shown once), list and revoke, within the issuer's region.

Services flush; the request's session dependency commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal, RevocationList
from dudao_shared.clock import utcnow
from dudao_shared.errors import NotFound
from dudao_shared.pagination import paginate
from dudao_shared.regions import region_prefix

from ..audit import AuditContext, record
from ..config import Settings
from ..hashing import sha256
from ..models import AuthSession, UnitToken
from ..revocation import revoke_sessions
from ..units import UnitRef
from .schemas import UnitTokenCreate

UNIT_TOKEN_PREFIX = "ddu_"


class UnitTokenNotFound(NotFound):
    code, title = "unit_token_not_found", "单位令牌不存在"


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The one rule for which tokens a caller reaches: an admin (or a planner without a region)
    all, a planner those of units inside their region. Lists filter by it and the loader
    answers 404 outside it, so a token of another region looks the same everywhere."""
    if principal.is_admin or not principal.region_code:
        return true()
    return col(UnitToken.region_code).startswith(region_prefix(principal.region_code))


async def get_visible(session: AsyncSession, *, token_id: str, principal: Principal) -> UnitToken:
    row = await session.scalar(
        select(UnitToken).where(col(UnitToken.id) == token_id, visible_to(principal))
    )
    if row is None:
        raise UnitTokenNotFound("单位令牌不存在")
    return row


async def issue(
    session: AsyncSession,
    *,
    data: UnitTokenCreate,
    unit: UnitRef,
    principal: Principal,
    settings: Settings,
    ctx: AuditContext,
) -> tuple[UnitToken, str]:
    raw = UNIT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    days = min(
        data.expires_in_days or settings.unit_token_default_days, settings.unit_token_max_days
    )
    row = UnitToken(
        unit_id=unit.id,
        unit_name=unit.name[:200],
        region_code=unit.region_code,
        label=data.label,
        prefix=raw[:12],
        secret_hash=sha256(raw),
        created_by=principal.sub,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    await session.flush()
    record(
        session,
        action="unit_token.issue",
        actor=principal.sub,
        subject=row.id,
        unit_id=row.unit_id,
        ctx=ctx,
        detail=f"expires={row.expires_at.date()}",
    )
    return row, raw


async def list_visible(
    session: AsyncSession,
    *,
    principal: Principal,
    unit_id: str | None,
    include_revoked: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[UnitToken], str | None]:
    """A page of the tokens the caller reaches, newest first."""
    q = select(UnitToken).where(visible_to(principal))
    if unit_id:
        q = q.where(col(UnitToken.unit_id) == unit_id)
    if not include_revoked:
        q = q.where(col(UnitToken.revoked_at).is_(None))
    return await paginate(
        session,
        q,
        limit=limit,
        cursor=cursor,
        order_by=[col(UnitToken.created_at).desc(), col(UnitToken.id).desc()],
    )


async def revoke(
    session: AsyncSession,
    *,
    row: UnitToken,
    principal: Principal,
    revocations: RevocationList,
    settings: Settings,
    ctx: AuditContext,
) -> UnitToken:
    """Revoking again changes nothing (the first revocation's time stays)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        # The access tokens it bought die with it.
        sids = list(
            await session.scalars(
                select(AuthSession.id).where(col(AuthSession.unit_token_id) == row.id)
            )
        )
        await revoke_sessions(
            session,
            sids,
            revocations=revocations,
            access_token_ttl_seconds=settings.access_token_ttl_seconds,
        )
        record(
            session,
            action="unit_token.revoke",
            actor=principal.sub,
            subject=row.id,
            unit_id=row.unit_id,
            ctx=ctx,
        )
    await session.flush()
    return row
