from __future__ import annotations

from fastapi import APIRouter, Response, status

from dudao_shared.api import IfMatch, set_etag
from dudao_shared.auth import StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)

from ..common.access import require_region
from ..common.versioning import require_version
from ..plans.models import Plan
from . import service
from .dependencies import ReadableItem
from .schemas import ItemMove, ItemRead, ItemUpdate
from .service import ItemCodeTaken, ItemHasAssignments, ItemNotFound

router = APIRouter(prefix="/api/v1/items", tags=["items"])

WRITE_ERRORS = (ItemNotFound, Forbidden, ValidationFailed, PreconditionFailed,
                PreconditionRequired)


async def _require_plan_region(session: SessionDep, principal: StaffWriter, plan_id: object) -> None:
    plan = await session.get(Plan, plan_id)
    require_region(principal, plan.region_code if plan else None)


@router.get("/{item_id}", response_model=ItemRead, responses=problem_responses(ItemNotFound))
async def get_item(item: ReadableItem, session: SessionDep, response: Response) -> ItemRead:
    """查看条目"""
    set_etag(response, item.version)
    return (await service.read_many(session, [item]))[0]


@router.patch(
    "/{item_id}",
    response_model=ItemRead,
    responses=problem_responses(*WRITE_ERRORS, ItemCodeTaken, ItemHasAssignments),
)
async def update_item(
    principal: StaffWriter, item: ReadableItem, session: SessionDep, body: ItemUpdate, response: Response,
    if_match: IfMatch = None,
) -> ItemRead:
    """修改条目（编号、标题、正文、完成时限）"""
    await _require_plan_region(session, principal, item.plan_id)
    expected = require_version(if_match, item.version)
    out = await service.update_item(session, principal=principal, item=item, expected=expected,
                                    data=body)
    set_etag(response, out.version)
    return out


@router.post(
    "/{item_id}/move",
    response_model=ItemRead,
    responses=problem_responses(*WRITE_ERRORS, ItemCodeTaken),
)
async def move_item(
    principal: StaffWriter, item: ReadableItem, session: SessionDep, body: ItemMove, response: Response,
    if_match: IfMatch = None,
) -> ItemRead:
    """移动条目（更换上级或同级位置；编号随之更新）"""
    await _require_plan_region(session, principal, item.plan_id)
    expected = require_version(if_match, item.version)
    out = await service.move_item(session, principal=principal, item=item, expected=expected,
                                  data=body)
    set_etag(response, out.version)
    return out


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(*WRITE_ERRORS, ItemHasAssignments),
)
async def delete_item(
    principal: StaffWriter, item: ReadableItem, session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """删除条目（连同下级；已有单位开展工作的不能删除）"""
    await _require_plan_region(session, principal, item.plan_id)
    expected = require_version(if_match, item.version)
    await service.delete_item(session, principal=principal, item=item, expected=expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
