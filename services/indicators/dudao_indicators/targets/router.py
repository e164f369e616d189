from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.api import IdempotencyKey, IfMatch, Page, set_etag
from dudao_shared.auth import CurrentPrincipal, StaffWriter
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

from ..access import require_region
from ..assessments import service as assessments_service
from ..idempotency import idempotent
from ..indicators.dependencies import readable_indicator, writable_indicator
from ..models import Indicator, Target
from . import service
from .schemas import MilestoneRead, TargetCreate, TargetRead, TargetUpdate

router = APIRouter(prefix="/api/v1/targets", tags=["targets"])
TargetId = Annotated[str, Path(max_length=200, description="目标标识")]


def to_read(t: Target) -> TargetRead:
    data = {k: getattr(t, k) for k in TargetRead.model_fields if k != "milestones"}
    data["milestones"] = [MilestoneRead(**m) for m in t.milestones]
    return TargetRead(**data)


@router.get("", response_model=Page[TargetRead], responses=problem_responses(NotFound))
async def list_targets(
    session: SessionDep,
    principal: CurrentPrincipal,
    indicator_id: Annotated[str, Query(max_length=36, description="指标")],
) -> Page[TargetRead]:
    """某指标的目标（全部范围）"""
    await readable_indicator(indicator_id, session, principal)
    targets = await service.for_indicator(session, indicator_id=indicator_id)
    return Page(
        items=[to_read(t) for t in sorted(targets, key=lambda t: t.scope)], next_cursor=None
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TargetRead,
    responses=problem_responses(NotFound, Forbidden, Conflict, ValidationFailed),
)
async def create_target(
    data: TargetCreate,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TargetRead | JSONResponse:
    """新建目标（支持 Idempotency-Key）"""
    ind = await writable_indicator(data.indicator_id, session, principal)

    async def run() -> TargetRead:
        t = await service.create(session, indicator=ind, data=data)
        await assessments_service.recompute_indicator(session, indicator=ind)
        set_etag(response, t.version)
        return to_read(t)

    return await idempotent(
        session,
        principal=principal,
        key=idempotency_key,
        scope="targets.create",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


async def _load(
    session: SessionDep, principal: CurrentPrincipal, target_id: str
) -> tuple[Target, Indicator]:
    t = await service.get(session, target_id=target_id)
    try:
        ind = await readable_indicator(t.indicator_id, session, principal)
    except NotFound:
        raise service.TargetNotFound(f"找不到目标 {target_id}") from None
    return t, ind


@router.get("/{target_id}", response_model=TargetRead, responses=problem_responses(NotFound))
async def get_target(
    target_id: TargetId, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> TargetRead:
    """查看目标"""
    t, _ = await _load(session, principal, target_id)
    set_etag(response, t.version)
    return to_read(t)


@router.patch(
    "/{target_id}",
    response_model=TargetRead,
    responses=problem_responses(
        NotFound, Forbidden, PreconditionFailed, PreconditionRequired, ValidationFailed
    ),
)
async def update_target(
    target_id: TargetId,
    data: TargetUpdate,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    if_match: IfMatch = None,
) -> TargetRead:
    """修改目标（需 If-Match）"""
    t, ind = await _load(session, principal, target_id)
    require_region(principal, ind.region_code)
    t = await service.update(session, target=t, indicator=ind, data=data, if_match=if_match)
    await assessments_service.recompute_indicator(session, indicator=ind)
    set_etag(response, t.version)
    return to_read(t)


@router.delete(
    "/{target_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(NotFound, Forbidden, PreconditionFailed, PreconditionRequired),
)
async def delete_target(
    target_id: TargetId, session: SessionDep, principal: StaffWriter, if_match: IfMatch = None
) -> None:
    """删除目标（需 If-Match）"""
    t, ind = await _load(session, principal, target_id)
    require_region(principal, ind.region_code)
    await service.delete(session, target=t, if_match=if_match)
    await assessments_service.recompute_indicator(session, indicator=ind)
