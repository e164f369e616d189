"""Whose inbox a request reaches: a unit token its own unit's, staff their own; a notice of
another inbox is a 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import CurrentPrincipal, Staff
from dudao_shared.db import SessionDep

from ..common.access import principal_unit
from ..common.ids import parse_id
from ..models import Notice
from .service import NoticeNotFound, Recipient, load_notice


async def own_inbox(principal: CurrentPrincipal) -> Recipient:
    if principal.is_unit:
        unit = principal_unit(principal)
        # A unit token with a malformed unit claim has an inbox that holds nothing.
        return Recipient(unit_id=unit or uuid.uuid4())
    return Recipient(user=principal.sub)


Inbox = Annotated[Recipient, Depends(own_inbox)]


async def own_notice(notice_id: str, inbox: Inbox, session: SessionDep) -> Notice:
    notice = await load_notice(session, parse_id(notice_id, NoticeNotFound()))
    if (inbox.unit_id is not None and notice.recipient_unit_id != inbox.unit_id) or (
        inbox.user is not None and notice.recipient_user != inbox.user
    ):
        raise NoticeNotFound()
    return notice


OwnNotice = Annotated[Notice, Depends(own_notice)]


async def staff_notice(notice_id: str, _: Staff, session: SessionDep) -> Notice:
    """Staff read any notice's delivery log (units never see the outbox)."""
    return await load_notice(session, parse_id(notice_id, NoticeNotFound()))


StaffNotice = Annotated[Notice, Depends(staff_notice)]
