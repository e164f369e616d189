"""Loading and authorising what a cascade route names: the cascade follows the regions.

A plan's staff (its region or above) read the whole cascade; region visibility reads down
only, so staff of a region under the plan, peers and units read nothing (404): a region works
on its own copies, in its own 承接任务 list. Writes go through the
objects' own rules: a region's copy is a task of that region's 承接任务 list, so only staff of
that region (or above) change it (403 ``region_forbidden``).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlmodel import col, select

from dudao_shared.auth import Staff, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import ValidationFailed
from dudao_shared.regions import contains, require_region

from ..common.ids import parse_id
from ..items.dependencies import ReadableTask, WritableTask
from ..items.service import TaskNotFound
from ..models import ACTIONABLE, Item, ItemLink, Plan, Unit
from ..plans.dependencies import ReadablePlan, WritablePlan
from ..plans.service import PlanNotFound
from .schemas import AnnualPlanCreate, LinkCreate
from .service import LinkNotFound, Scope


def reader_region(principal: Staff) -> str | None:
    return principal.region_code or None


async def cascade_scope(plan: ReadablePlan, principal: Staff) -> Scope:
    """The plan's cascade as this reader may see it (404 for peers: they do not see it)."""
    own = principal.region_code or None
    if own is None or contains(own, plan.region_code):
        return Scope(plan, None)
    if contains(plan.region_code, own):
        return Scope(plan, own)
    raise PlanNotFound()


CascadeScope = Annotated[Scope, Depends(cascade_scope)]


async def deliverable_plan(plan: WritablePlan) -> Plan:
    """A plan whose collective tasks the writer may deliver: one in the writer's region."""
    return plan


DeliverablePlan = Annotated[Plan, Depends(deliverable_plan)]


async def _reaches(principal: Staff, session: SessionDep, item: Item) -> bool:
    """A staff member reaches a task of their region, above it or below it, not a peer's."""
    own = principal.region_code
    if not own:
        return True
    region = await session.scalar(select(Plan.region_code).where(Plan.id == item.plan_id))
    return region is not None and (contains(own, region) or contains(region, own))


async def linked_task(task: ReadableTask, principal: Staff, session: SessionDep) -> Item:
    """A task whose links a staff reader may list (a peer region's is 404)."""
    if not await _reaches(principal, session, task):
        raise TaskNotFound()
    return task


LinkedTaskDep = Annotated[Item, Depends(linked_task)]


async def link_target(
    task: WritableTask, principal: StaffWriter, session: SessionDep, body: LinkCreate
) -> Item:
    """The task a new link points at: a task the writer can see (422 naming ``target_id``)."""
    target = await session.get(Item, body.target_id)
    if target is None or target.kind not in ACTIONABLE:
        raise ValidationFailed(
            "关联的任务不存在", errors=[{"field": "target_id", "message": "任务不存在"}]
        )
    if not await _reaches(principal, session, target):
        raise ValidationFailed(
            "关联的任务不存在", errors=[{"field": "target_id", "message": "任务不存在"}]
        )
    return target


LinkTarget = Annotated[Item, Depends(link_target)]


async def writable_link(link_id: str, principal: StaffWriter, session: SessionDep) -> ItemLink:
    """A link the writer may remove: its serving task's plan lies in the writer's region."""
    lid = parse_id(link_id, LinkNotFound())
    link = await session.get(ItemLink, lid)
    if link is None:
        raise LinkNotFound()
    region = await session.scalar(
        select(Plan.region_code)
        .join(Item, col(Item.plan_id) == col(Plan.id))
        .where(Item.id == link.item_id)
    )
    own = principal.region_code
    if own and region and not (contains(own, region) or contains(region, own)):
        raise LinkNotFound()
    require_region(principal, region)
    return link


WritableLink = Annotated[ItemLink, Depends(writable_link)]


async def annual_sources(
    plan: WritablePlan, session: SessionDep, body: AnnualPlanCreate
) -> dict[uuid.UUID, Item]:
    """The plan tasks an annual list advances, each a task of that plan (422 naming it)."""
    wanted = {t for task in body.tasks for t in task.advances}
    found = {
        i.id: i
        for i in (
            await session.execute(
                select(Item).where(
                    Item.plan_id == plan.id,
                    col(Item.id).in_(wanted),
                    col(Item.kind).in_(ACTIONABLE),
                )
            )
        ).scalars()
    }
    unit_ids = {u.unit_id for task in body.tasks for u in task.units}
    known = set(
        (await session.execute(select(Unit.id).where(col(Unit.id).in_(unit_ids)))).scalars()
    )
    for i, task in enumerate(body.tasks):
        for j, u in enumerate(task.units):
            if u.unit_id not in known:
                raise ValidationFailed(
                    "单位不存在",
                    errors=[{"field": f"tasks.{i}.units.{j}.unit_id", "message": "单位不存在"}],
                )
        for j, tid in enumerate(task.advances):
            if tid not in found:
                raise ValidationFailed(
                    "所推进的任务不在该规划中",
                    errors=[{"field": f"tasks.{i}.advances.{j}", "message": "不是该规划的任务"}],
                )
    return found


AnnualSources = Annotated[dict[uuid.UUID, Item], Depends(annual_sources)]
