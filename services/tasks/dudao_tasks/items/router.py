"""Items of a plan (sections, tasks, projects) and tasks read as one row."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Response, status

from dudao_shared.auth import StaffWriter
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

from ..plans.dependencies import ReadablePlan, WritablePlan
from ..plans.service import PlanNotFound
from . import service
from .dependencies import (
    ItemMoveTo,
    NewItem,
    ReadableItem,
    ReadableTaskRow,
    VisibleItems,
    WritableItem,
)
from .schemas import ItemRead, ItemUpdate, TaskRead
from .service import ItemCodeTaken, ItemHasAssignments, ItemNotFound, TaskNotFound

router = APIRouter(tags=["items"])

WRITE_ERRORS = (ItemNotFound, Forbidden, ValidationFailed, PreconditionFailed, PreconditionRequired)


@router.get(
    "/api/v1/plans/{plan_id}/items",
    response_model=Page[ItemRead],
    responses=problem_responses(PlanNotFound, ValidationFailed),
)
async def list_items(
    plan: ReadablePlan,
    visible: VisibleItems,
    session: SessionDep,
    kind: Literal["section", "task", "project"] | None = Query(None),
    parent_id: uuid.UUID | None = Query(None, description="只列出该条目的直接下级"),
    order: str | None = Query(
        None, max_length=30, description="sort_key（文档顺序，默认）、created_at"
    ),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ItemRead]:
    """规划的条目（文档顺序；单位令牌只看到本单位的任务）"""
    items, nxt = await service.list_items(
        session,
        plan=plan,
        visible=visible,
        kind=kind,
        parent_id=parent_id,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.post(
    "/api/v1/plans/{plan_id}/items",
    response_model=ItemRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(PlanNotFound, Forbidden, ValidationFailed, ItemCodeTaken),
)
async def create_item(
    principal: StaffWriter,
    plan: WritablePlan,
    body: NewItem,
    session: SessionDep,
    response: Response,
    today: Today,
) -> ItemRead:
    """新建条目（章节、任务或专栏项目）"""
    out = await service.create_item(session, principal=principal, plan=plan, data=body, today=today)
    set_etag(response, out.version)
    return out


@router.get(
    "/api/v1/items/{item_id}", response_model=ItemRead, responses=problem_responses(ItemNotFound)
)
async def get_item(item: ReadableItem, session: SessionDep, response: Response) -> ItemRead:
    """查看条目"""
    set_etag(response, item.version)
    return (await service.read_many(session, [item]))[0]


@router.patch(
    "/api/v1/items/{item_id}",
    response_model=ItemRead,
    responses=problem_responses(*WRITE_ERRORS, ItemCodeTaken, ItemHasAssignments),
)
async def update_item(
    principal: StaffWriter,
    item: WritableItem,
    session: SessionDep,
    body: ItemUpdate,
    response: Response,
    today: Today,
    expected: IfMatchVersion,
) -> ItemRead:
    """修改条目（编号、标题、正文、完成时限）"""
    require_version(item.version, expected)
    out = await service.update_item(session, principal=principal, item=item, data=body, today=today)
    set_etag(response, out.version)
    return out


@router.post(
    "/api/v1/items/{item_id}/move",
    response_model=ItemRead,
    responses=problem_responses(*WRITE_ERRORS, ItemCodeTaken),
)
async def move_item(
    principal: StaffWriter,
    item: WritableItem,
    body: ItemMoveTo,
    session: SessionDep,
    response: Response,
    expected: IfMatchVersion,
) -> ItemRead:
    """移动条目（更换上级或同级位置；编号随之更新）"""
    require_version(item.version, expected)
    out = await service.move_item(session, principal=principal, item=item, data=body)
    set_etag(response, out.version)
    return out


@router.delete(
    "/api/v1/items/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(*WRITE_ERRORS, ItemHasAssignments),
)
async def delete_item(
    principal: StaffWriter,
    item: WritableItem,
    session: SessionDep,
    expected: IfMatchVersion,
) -> Response:
    """删除条目（连同下级；已有单位开展工作的不能删除）"""
    require_version(item.version, expected)
    await service.delete_item(session, principal=principal, item=item)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/api/v1/tasks/{task_id}", response_model=TaskRead, responses=problem_responses(TaskNotFound)
)
async def get_task(task: ReadableTaskRow, response: Response) -> TaskRead:
    """查看任务（单行，一次查询）"""
    set_etag(response, task["version"])
    return TaskRead.model_validate(dict(task.items()))
