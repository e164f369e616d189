"""Contacts are read by staff and by the unit itself, written by staff of the unit's region."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel import select

from dudao_shared.auth import StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.regions import require_region

from ..common.ids import parse_id
from ..models import Contact, Unit
from ..policy import may_read_region
from ..state import SettingsDep
from ..units.dependencies import WritableUnit
from .schemas import ContactCreate
from .service import ContactNotFound, check_target, load_contact


async def new_contact(
    unit: WritableUnit, body: ContactCreate, settings: SettingsDep
) -> ContactCreate:
    await check_target(body, production=settings.environment == "production")
    return body


NewContact = Annotated[ContactCreate, Depends(new_contact)]


async def writable_contact(contact_id: str, principal: StaffWriter, session: SessionDep) -> Contact:
    contact = await load_contact(session, parse_id(contact_id, ContactNotFound()))
    region = await session.scalar(select(Unit.region_code).where(Unit.id == contact.unit_id))
    # Another region's contact is not revealed (404); a reader of the region who may not
    # write it still gets the write rule's 403.
    if not may_read_region(principal, region):
        raise ContactNotFound()
    require_region(principal, region)
    return contact


WritableContact = Annotated[Contact, Depends(writable_contact)]
