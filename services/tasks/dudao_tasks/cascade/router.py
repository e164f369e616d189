"""Cascade routes: deliver a plan's collective tasks, the roll-up view, task links, annual lists."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from dudao_shared.auth import Staff, StaffWriter
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.versioning import set_etag

from ..items.service import TaskNotFound
from ..plans.schemas import PlanRead
from ..plans.service import PlanNotFound
from . import service
from .dependencies import (
    AnnualSources,
    CascadeScope,
    DeliverablePlan,
    LinkedTaskDep,
    LinkTarget,
    WritableLink,
    reader_region,
)
from .schemas import AnnualPlanCreate, CascadeResult, CascadeTask, LinkCreate, TaskLinks
from .service import LinkNotFound

router = APIRouter(tags=["cascade"])


@router.post(
    "/api/v1/plans/{plan_id}/cascade",
    response_model=CascadeResult,
    responses=problem_responses(PlanNotFound, Forbidden),
)
async def deliver_plan(
    principal: StaffWriter, plan: DeliverablePlan, session: SessionDep
) -> CascadeResult:
    """下达：把交给“各设区市政府”“各县（市、区）政府”等的任务下达到每个区划（可重复执行，只补新的）"""
    return await service.deliver(session, principal=principal, plan=plan)


@router.get(
    "/api/v1/plans/{plan_id}/cascade",
    response_model=Page[CascadeTask],
    responses=problem_responses(PlanNotFound, ValidationFailed),
)
async def cascade_view(
    scope: CascadeScope, session: SessionDep, today: Today, limit: Limit = 50, cursor: Cursor = None
) -> Page[CascadeTask]:
    """逐级汇总：每项下达任务在各市、县的完成、逾期、未填报情况与单位说明"""
    rows, nxt = await service.cascade_view(
        session, scope=scope, today=today, limit=limit, cursor=cursor
    )
    return Page(items=rows, next_cursor=nxt)


@router.get(
    "/api/v1/tasks/{task_id}/links",
    response_model=TaskLinks,
    responses=problem_responses(TaskNotFound),
)
async def list_task_links(task: LinkedTaskDep, principal: Staff, session: SessionDep) -> TaskLinks:
    """任务的上下关联：承接或推进的上级任务，承接或推进本任务的下级任务与年度任务"""
    return await service.task_links(session, task=task, reader_region=reader_region(principal))


@router.post(
    "/api/v1/tasks/{task_id}/links",
    response_model=TaskLinks,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(TaskNotFound, Forbidden, ValidationFailed),
)
async def create_task_link(
    principal: StaffWriter,
    task: LinkedTaskDep,
    target: LinkTarget,
    body: LinkCreate,
    session: SessionDep,
) -> TaskLinks:
    """关联上级任务：本任务承接（或本区划以自身任务覆盖）上级规划的任务"""
    await service.add_link(session, principal=principal, task=task, target=target, note=body.note)
    return await service.task_links(session, task=task, reader_region=reader_region(principal))


@router.delete(
    "/api/v1/task_links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(LinkNotFound, Forbidden),
)
async def delete_task_link(principal: StaffWriter, link: WritableLink, session: SessionDep) -> None:
    """取消任务关联"""
    await service.remove_link(session, principal=principal, link=link)


@router.post(
    "/api/v1/plans/{plan_id}/annual_plans",
    response_model=PlanRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(PlanNotFound, Forbidden, ValidationFailed),
)
async def create_annual_plan(
    principal: StaffWriter,
    plan: DeliverablePlan,
    body: AnnualPlanCreate,
    sources: AnnualSources,
    session: SessionDep,
    response: Response,
) -> PlanRead:
    """年度分解：从多年规划生成本年度重点工作任务清单，每项任务指向所推进的规划任务"""
    annual = await service.create_annual_plan(
        session, principal=principal, plan=plan, data=body, sources=sources
    )
    set_etag(response, annual.version)
    return PlanRead.model_validate(annual)
