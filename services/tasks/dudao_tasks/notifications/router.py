from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, Query

from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from . import service
from .dependencies import Inbox, OwnNotice, StaffNotice
from .schemas import DeliveryAttemptRead, DeliveryRead, MarkedRead, NoticeRead, UnreadCount
from .service import NoticeNotFound

router = APIRouter(tags=["notifications"])


@router.get(
    "/api/v1/notices",
    response_model=Page[NoticeRead],
    responses=problem_responses(ValidationFailed),
)
async def list_notices(
    inbox: Inbox,
    session: SessionDep,
    unread: bool | None = Query(None, description="true 只看未读，false 只看已读"),
    kind: str | None = Query(None, max_length=40, description="类别"),
    plan_id: uuid.UUID | None = Query(None),
    since: dt.datetime | None = Query(None, description="此时间以后的通知"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[NoticeRead]:
    """我的通知（单位看本单位的，工作人员看自己的；新的在前）"""
    rows, nxt = await service.list_notices(
        session,
        inbox,
        unread=unread,
        kind=kind,
        plan_id=plan_id,
        since=since,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[NoticeRead.model_validate(n) for n in rows], next_cursor=nxt)


@router.get("/api/v1/notices/unread_count", response_model=UnreadCount)
async def unread_count(inbox: Inbox, session: SessionDep) -> UnreadCount:
    """未读通知数"""
    return UnreadCount(unread=await service.unread_count(session, inbox))


@router.post("/api/v1/notices/read_all", response_model=MarkedRead)
async def mark_all_read(inbox: Inbox, session: SessionDep) -> MarkedRead:
    """全部标为已读"""
    return MarkedRead(marked=await service.mark_all_read(session, inbox))


@router.get(
    "/api/v1/notices/{notice_id}",
    response_model=NoticeRead,
    responses=problem_responses(NoticeNotFound),
)
async def get_notice(notice: OwnNotice) -> NoticeRead:
    """一条通知"""
    return NoticeRead.model_validate(notice)


@router.post(
    "/api/v1/notices/{notice_id}/read",
    response_model=NoticeRead,
    responses=problem_responses(NoticeNotFound),
)
async def mark_read(notice: OwnNotice, session: SessionDep) -> NoticeRead:
    """标为已读（再次标记不改变已读时间）"""
    await service.mark_read(session, notice)
    return NoticeRead.model_validate(notice)


@router.get(
    "/api/v1/notices/{notice_id}/deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(NoticeNotFound, Forbidden, ValidationFailed),
)
async def list_deliveries(
    notice: StaffNotice, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[DeliveryRead]:
    """通知的外发记录：每个渠道、目标、状态和每次尝试（工作人员）"""
    rows, nxt = await service.deliveries_of(session, notice.id, limit=limit, cursor=cursor)
    items = [
        DeliveryRead.model_validate(d).model_copy(
            update={"log": [DeliveryAttemptRead.model_validate(a) for a in attempts]}
        )
        for d, attempts in rows
    ]
    return Page(items=items, next_cursor=nxt)
