"""A unit's contacts. A webhook target must pass the SSRF rules of ``dudao_shared.webhooks``
(checked again on every send); its signing secret is made here and shown once."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared import webhooks
from dudao_shared.auth import Principal
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.pagination import paginate

from ..audit_trail import record
from ..models import Contact, Unit
from .schemas import ContactCreate


class ContactNotFound(NotFound):
    code, title = "contact_not_found", "联系方式不存在"


class ContactExists(Conflict):
    code, title = "contact_exists", "该单位已有相同的联系方式"


async def check_target(body: ContactCreate, *, production: bool) -> None:
    if body.channel != "webhook":
        return
    try:
        await webhooks.check_url(body.target, production=production)
    except webhooks.UnsafeTarget as exc:
        raise ValidationFailed(
            "回调地址不允许", errors=[{"field": "target", "message": str(exc)}]
        ) from None


async def create_contact(
    session: AsyncSession, *, unit: Unit, body: ContactCreate, principal: Principal
) -> Contact:
    secret = webhooks.new_secret() if body.channel == "webhook" else None
    contact = Contact(
        unit_id=unit.id,
        channel=body.channel,
        target=body.target,
        secret=secret,
        created_by=principal.sub,
    )
    try:
        async with session.begin_nested():
            session.add(contact)
            await session.flush()
    except IntegrityError:
        raise ContactExists() from None
    record(
        session,
        principal=principal,
        entity="contact",
        entity_id=contact.id,
        action="create",
        after={"channel": contact.channel, "target": contact.target},
        unit_id=unit.id,
    )
    return contact


async def list_contacts(
    session: AsyncSession, unit_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[Contact], str | None]:
    return await paginate(
        session,
        select(Contact).where(Contact.unit_id == unit_id),
        limit=limit,
        cursor=cursor,
        order_by=[col(Contact.created_at).asc(), col(Contact.id).asc()],
    )


async def load_contact(session: AsyncSession, contact_id: uuid.UUID) -> Contact:
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise ContactNotFound()
    return contact


async def delete_contact(session: AsyncSession, contact: Contact, principal: Principal) -> None:
    record(
        session,
        principal=principal,
        entity="contact",
        entity_id=contact.id,
        action="delete",
        before={"channel": contact.channel, "target": contact.target},
        unit_id=contact.unit_id,
    )
    await session.delete(contact)
    await session.flush()
