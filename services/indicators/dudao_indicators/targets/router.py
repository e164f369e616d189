from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.idempotency import IdempotencyKey, idempotent
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.versioning import IfMatchVersion, set_etag

from ..models import IdempotencyRecord
from . import service
from .dependencies import NewTarget, ReadableTarget, TargetsIndicator, WritableTarget
from .schemas import TargetRead, TargetUpdate

router = APIRouter(prefix="/api/v1/targets", tags=["targets"])


@router.get("", response_model=Page[TargetRead], responses=problem_responses(NotFound))
async def list_targets(
    ind: TargetsIndicator, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[TargetRead]:
    """某指标的目标（全部范围）"""
    rows, nxt = await service.list_(session, indicator_id=ind.id, limit=limit, cursor=cursor)
    return Page(items=[TargetRead.of(t) for t in rows], next_cursor=nxt)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TargetRead,
    responses=problem_responses(NotFound, Forbidden, Conflict, ValidationFailed),
)
async def create_target(
    new: NewTarget,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TargetRead | JSONResponse:
    """新建目标（支持 Idempotency-Key）"""
    data, ind = new

    async def run() -> TargetRead:
        t = await service.create(session, indicator=ind, data=data)
        set_etag(response, t.version)
        return TargetRead.of(t)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope="targets.create",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


@router.get("/{target_id}", response_model=TargetRead, responses=problem_responses(NotFound))
async def get_target(loaded: ReadableTarget, response: Response) -> TargetRead:
    """查看目标"""
    t, _ = loaded
    set_etag(response, t.version)
    return TargetRead.of(t)


@router.patch(
    "/{target_id}",
    response_model=TargetRead,
    responses=problem_responses(
        NotFound, Forbidden, PreconditionFailed, PreconditionRequired, ValidationFailed
    ),
)
async def update_target(
    loaded: WritableTarget,
    data: TargetUpdate,
    session: SessionDep,
    response: Response,
    expected: IfMatchVersion,
) -> TargetRead:
    """修改目标（需 If-Match）"""
    t, ind = loaded
    t = await service.update(session, target=t, indicator=ind, data=data, expected=expected)
    set_etag(response, t.version)
    return TargetRead.of(t)


@router.delete(
    "/{target_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(NotFound, Forbidden, PreconditionFailed, PreconditionRequired),
)
async def delete_target(
    loaded: WritableTarget, session: SessionDep, expected: IfMatchVersion
) -> None:
    """删除目标（需 If-Match）"""
    t, ind = loaded
    await service.delete(session, target=t, indicator=ind, expected=expected)
