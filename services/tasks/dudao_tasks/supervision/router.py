"""督办单: raised by hand or by escalation, answered by the unit, closed or sent back by staff."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.versioning import IfMatchVersion, require_version, set_etag

from ..assignments.dependencies import WritableAssignment
from ..assignments.service import AssignmentNotFound
from ..plans.dependencies import WritablePlan
from ..plans.service import PlanNotFound
from ..reports.dependencies import StorageDep, UploadedEvidence
from ..reports.service import FileTooLarge, FileTypeNotAllowed
from ..reports.storage import stored_file
from . import service
from .dependencies import (
    AnswerableNotice,
    DecidableNotice,
    ReadableNotice,
    ReadableNoticeFile,
    VisibleNotices,
    WritableResponse,
)
from .schemas import (
    EscalationResult,
    NoticeFileRead,
    NoticeResponseCreate,
    NoticeResponseRead,
    SupervisionDecision,
    SupervisionNoticeCreate,
    SupervisionNoticeRead,
)
from .service import (
    NoticeFileNotFound,
    NoticeNotFound,
    NoticeOpen,
    NoticeStateConflict,
    NotLeadAssignment,
)

router = APIRouter(tags=["supervision_notices"])


@router.post(
    "/api/v1/assignments/{assignment_id}/supervision_notices",
    response_model=SupervisionNoticeRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        AssignmentNotFound, Forbidden, NotLeadAssignment, NoticeOpen, ValidationFailed
    ),
)
async def raise_notice(
    principal: StaffWriter,
    assignment: WritableAssignment,
    body: SupervisionNoticeCreate,
    session: SessionDep,
    today: Today,
    response: Response,
) -> SupervisionNoticeRead:
    """签发督办单（发给牵头单位；反馈时限不得早于今天）"""
    row = await service.raise_notice(
        session, principal=principal, assignment=assignment, data=body, today=today
    )
    set_etag(response, row.version)
    return (await service.to_reads(session, [row], today))[0]


@router.get(
    "/api/v1/supervision_notices",
    response_model=Page[SupervisionNoticeRead],
    responses=problem_responses(ValidationFailed),
)
async def list_notices(
    visible: VisibleNotices,
    session: SessionDep,
    today: Today,
    plan_id: uuid.UUID | None = Query(None, description="规划"),
    unit_id: uuid.UUID | None = Query(None, description="单位"),
    assignment_id: uuid.UUID | None = Query(None, description="任务分工"),
    status_: str | None = Query(None, alias="status", max_length=20, description="状态"),
    listed: bool | None = Query(None, description="是否已列入约谈 / 通报"),
    order: str | None = Query(
        None, max_length=30, description="created_at、response_due_on，前加 - 倒序"
    ),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SupervisionNoticeRead]:
    """督办单列表（单位令牌只看到发给本单位的）"""
    items, nxt = await service.list_notices(
        session,
        visible=visible,
        today=today,
        plan_id=plan_id,
        unit_id=unit_id,
        assignment_id=assignment_id,
        status=status_,
        listed=listed,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.get(
    "/api/v1/supervision_notices/{notice_id}",
    response_model=SupervisionNoticeRead,
    responses=problem_responses(NoticeNotFound),
)
async def get_notice(
    notice: ReadableNotice, session: SessionDep, today: Today, response: Response
) -> SupervisionNoticeRead:
    """查看督办单（含历次反馈与佐证材料）"""
    set_etag(response, notice.version)
    return (await service.to_reads(session, [notice], today))[0]


@router.post(
    "/api/v1/supervision_notices/{notice_id}/responses",
    response_model=NoticeResponseRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(NoticeNotFound, Forbidden, NoticeStateConflict, ValidationFailed),
)
async def respond(
    principal: CurrentPrincipal,
    notice: AnswerableNotice,
    body: NoticeResponseCreate,
    session: SessionDep,
) -> NoticeResponseRead:
    """反馈督办单（文字说明；佐证材料随后上传到该反馈）"""
    row = await service.respond(session, principal=principal, notice=notice, data=body)
    return NoticeResponseRead.model_validate({**row.model_dump(), "files": []})


@router.post(
    "/api/v1/notice_responses/{response_id}/files",
    response_model=NoticeFileRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        NoticeNotFound, Forbidden, FileTooLarge, FileTypeNotAllowed, ValidationFailed
    ),
)
async def upload_response_file(
    principal: CurrentPrincipal,
    answer: WritableResponse,
    upload: UploadedEvidence,
    session: SessionDep,
    storage: StorageDep,
) -> NoticeFileRead:
    """上传反馈的佐证材料（与进展报告同样的类型与大小限制）"""
    row = await service.add_file(
        session,
        principal=principal,
        response=answer,
        data=upload.data,
        filename=upload.filename,
        storage=storage,
        max_bytes=upload.max_bytes,
    )
    return NoticeFileRead.model_validate(row)


@router.get(
    "/api/v1/notice_files/{file_id}/content",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "文件内容"},
        **problem_responses(NoticeFileNotFound),
    },
)
async def download_response_file(evidence: ReadableNoticeFile, storage: StorageDep) -> Response:
    """下载反馈的佐证材料"""
    return await stored_file(
        storage,
        key=evidence.storage_key,
        filename=evidence.filename,
        content_type=evidence.content_type,
        sha256=evidence.sha256,
        gone=NoticeFileNotFound("文件内容已不存在"),
    )


@router.post(
    "/api/v1/supervision_notices/{notice_id}/decision",
    response_model=SupervisionNoticeRead,
    responses=problem_responses(
        NoticeNotFound,
        Forbidden,
        NoticeStateConflict,
        ValidationFailed,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def decide_notice(
    principal: StaffWriter,
    notice: DecidableNotice,
    body: SupervisionDecision,
    session: SessionDep,
    today: Today,
    response: Response,
    expected: IfMatchVersion,
) -> SupervisionNoticeRead:
    """办结销号或退回重办（退回须说明理由）"""
    require_version(notice.version, expected)
    row = await service.decide(session, principal=principal, notice=notice, data=body)
    set_etag(response, row.version)
    return (await service.to_reads(session, [row], today))[0]


@router.post(
    "/api/v1/plans/{plan_id}/escalation",
    response_model=EscalationResult,
    responses=problem_responses(PlanNotFound, Forbidden),
)
async def escalate_plan(plan: WritablePlan, session: SessionDep, today: Today) -> EscalationResult:
    """立即按规划的督办规则升级一次（逾期生成督办单；逾期未反馈列入约谈 / 通报）"""
    raised, listed = await service.escalate(session, today=today, plan_id=plan.id)
    return EscalationResult(raised=await service.to_reads(session, raised, today), listed=listed)
