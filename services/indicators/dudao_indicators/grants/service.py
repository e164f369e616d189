"""Rules for grants: one per (unit, indicator, region); listing is keyset-paged by id."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.errors import Conflict, NotFound
from dudao_shared.pagination import paginate
from dudao_shared.versioning import flush_versioned, require_version

from ..models import IndicatorGrant
from .schemas import GrantCreate


class GrantNotFound(NotFound):
    code, title = "grant_not_found", "授权不存在"


class GrantExists(Conflict):
    code, title = "grant_exists", "该授权已存在"


async def list_(
    session: AsyncSession,
    *,
    only_unit: str | None,
    reach: ColumnElement[bool],
    unit_id: str | None,
    indicator_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[IndicatorGrant], str | None]:
    """``only_unit`` narrows to one unit's own grants (what a unit may see)."""
    q = select(IndicatorGrant).where(reach)
    if only_unit is not None:
        q = q.where(IndicatorGrant.unit_id == only_unit)
    if unit_id is not None:
        q = q.where(IndicatorGrant.unit_id == unit_id)
    if indicator_id is not None:
        q = q.where(IndicatorGrant.indicator_id == indicator_id)
    order_by = [col(IndicatorGrant.id).asc()]
    return await paginate(session, q, limit=limit, cursor=cursor, order_by=order_by)


async def create(session: AsyncSession, *, data: GrantCreate, granted_by: str) -> IndicatorGrant:
    dup = await session.scalar(
        select(IndicatorGrant.id).where(
            IndicatorGrant.unit_id == data.unit_id,
            IndicatorGrant.indicator_id == data.indicator_id,
            IndicatorGrant.region_code == data.region_code,
        )
    )
    if dup:
        raise GrantExists(f"该单位已获授权（{dup}）")
    g = IndicatorGrant(**data.model_dump(), granted_by=granted_by)
    session.add(g)
    await session.flush()
    return g


async def delete(session: AsyncSession, *, grant: IndicatorGrant, expected: int) -> None:
    require_version(grant.version, expected)
    await session.delete(grant)
    await flush_versioned(session)
