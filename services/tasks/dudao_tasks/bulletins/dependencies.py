"""Loading bulletins: staff only (a bulletin names every unit's record)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement
from sqlmodel import select

from dudao_shared.auth import Staff, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.regions import require_region

from ..common.ids import parse_id
from ..models import Bulletin
from ..plans.dependencies import WritablePlan
from ..plans.service import check_region
from ..policy import plan_ids_reached
from .schemas import BulletinCreate
from .service import BulletinNotFound


async def visible_bulletins(principal: Staff) -> ColumnElement[bool]:
    """Staff see the bulletins of plans in their region (404 for another region's)."""
    return plan_ids_reached(principal, Bulletin.plan_id)


VisibleBulletins = Annotated[ColumnElement[bool], Depends(visible_bulletins)]


async def readable_bulletin(
    bulletin_id: str, visible: VisibleBulletins, session: SessionDep
) -> Bulletin:
    bid = parse_id(bulletin_id, BulletinNotFound())
    row = (
        await session.execute(select(Bulletin).where(Bulletin.id == bid, visible))
    ).scalar_one_or_none()
    if row is None:
        raise BulletinNotFound()
    return row


ReadableBulletin = Annotated[Bulletin, Depends(readable_bulletin)]


async def new_bulletin(
    principal: StaffWriter, plan: WritablePlan, body: BulletinCreate
) -> BulletinCreate:
    """The region a bulletin covers must exist and lie in the issuer's region (403 else)."""
    if body.region_code is not None:
        check_region(body.region_code)
        require_region(principal, body.region_code)
    return body


NewBulletin = Annotated[BulletinCreate, Depends(new_bulletin)]
