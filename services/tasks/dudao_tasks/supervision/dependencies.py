"""Loading 督办单, their answers and files, and every authorisation a supervision route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement
from sqlmodel import col, select

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden
from dudao_shared.regions import require_region

from ..common.ids import parse_id
from ..models import NoticeFile, NoticeResponse, Plan, SupervisionNotice
from ..policy import own_rows
from .service import NoticeFileNotFound, NoticeNotFound


async def visible_notices(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff see the notices of plans in their region; a unit only those sent to it."""
    return own_rows(principal, SupervisionNotice.plan_id, SupervisionNotice.unit_id)


VisibleNotices = Annotated[ColumnElement[bool], Depends(visible_notices)]


async def readable_notice(
    notice_id: str, visible: VisibleNotices, session: SessionDep
) -> SupervisionNotice:
    """A notice the caller may read (404 for the rest)."""
    nid = parse_id(notice_id, NoticeNotFound())
    row = (
        await session.execute(select(SupervisionNotice).where(SupervisionNotice.id == nid, visible))
    ).scalar_one_or_none()
    if row is None:
        raise NoticeNotFound()
    return row


ReadableNotice = Annotated[SupervisionNotice, Depends(readable_notice)]


async def answerable_notice(
    principal: CurrentPrincipal, notice: ReadableNotice
) -> SupervisionNotice:
    """反馈 is the unit's answer: its own unit token, or an admin entering it on its behalf."""
    if not (principal.is_unit or principal.is_admin):
        raise Forbidden("督办单由责任单位反馈", code="role_forbidden")
    return notice


AnswerableNotice = Annotated[SupervisionNotice, Depends(answerable_notice)]


async def decidable_notice(
    principal: StaffWriter, notice: ReadableNotice, session: SessionDep
) -> SupervisionNotice:
    """A notice a staff writer may close or send back: its plan lies in the writer's region."""
    region = await session.scalar(select(Plan.region_code).where(Plan.id == notice.plan_id))
    require_region(principal, region)
    return notice


DecidableNotice = Annotated[SupervisionNotice, Depends(decidable_notice)]


async def answer_of(
    response_id: str, principal: CurrentPrincipal, visible: VisibleNotices, session: SessionDep
) -> NoticeResponse:
    """An answer the caller may add evidence to: the unit's own (or any, for an admin)."""
    rid = parse_id(response_id, NoticeNotFound("反馈不存在"))
    row = (
        await session.execute(
            select(NoticeResponse)
            .join(SupervisionNotice, col(SupervisionNotice.id) == col(NoticeResponse.notice_id))
            .where(NoticeResponse.id == rid, visible)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NoticeNotFound("反馈不存在")
    if not (principal.is_unit or principal.is_admin):
        raise Forbidden("佐证材料由责任单位上传", code="role_forbidden")
    return row


WritableResponse = Annotated[NoticeResponse, Depends(answer_of)]


async def readable_notice_file(
    file_id: str, visible: VisibleNotices, session: SessionDep
) -> NoticeFile:
    """A file is visible exactly when its notice is."""
    fid = parse_id(file_id, NoticeFileNotFound())
    row = (
        await session.execute(
            select(NoticeFile)
            .join(NoticeResponse, col(NoticeResponse.id) == col(NoticeFile.response_id))
            .join(SupervisionNotice, col(SupervisionNotice.id) == col(NoticeResponse.notice_id))
            .where(NoticeFile.id == fid, visible)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NoticeFileNotFound()
    return row


ReadableNoticeFile = Annotated[NoticeFile, Depends(readable_notice_file)]
