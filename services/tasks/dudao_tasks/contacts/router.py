from __future__ import annotations

from fastapi import APIRouter, Response, status

from dudao_shared.auth import StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, NotFound, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from ..units.dependencies import ReadableUnit, WritableUnit
from . import service
from .dependencies import NewContact, WritableContact
from .schemas import ContactCreated, ContactRead
from .service import ContactExists, ContactNotFound

router = APIRouter(tags=["contacts"])


@router.get(
    "/api/v1/units/{unit_id}/contacts",
    response_model=Page[ContactRead],
    responses=problem_responses(NotFound, ValidationFailed),
)
async def list_contacts(
    unit: ReadableUnit, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[ContactRead]:
    """单位的通知渠道（邮箱、手机、回调地址、赣政通；单位只看本单位的）"""
    rows, nxt = await service.list_contacts(session, unit.id, limit=limit, cursor=cursor)
    return Page(items=[ContactRead.model_validate(c) for c in rows], next_cursor=nxt)


@router.post(
    "/api/v1/units/{unit_id}/contacts",
    response_model=ContactCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(NotFound, Forbidden, ValidationFailed, ContactExists),
)
async def create_contact(
    unit: WritableUnit, body: NewContact, principal: StaffWriter, session: SessionDep
) -> ContactCreated:
    """添加通知渠道；回调地址须为 https，返回的签名密钥只显示这一次"""
    contact = await service.create_contact(session, unit=unit, body=body, principal=principal)
    return ContactCreated.model_validate(contact).model_copy(update={"secret": contact.secret})


@router.delete(
    "/api/v1/contacts/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(ContactNotFound, Forbidden),
)
async def delete_contact(
    contact: WritableContact, principal: StaffWriter, session: SessionDep
) -> Response:
    """删除通知渠道"""
    await service.delete_contact(session, contact, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
