"""Loading items and tasks, and every authorisation an item route needs."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, bindparam, exists, literal
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import NotFound, ValidationFailed
from dudao_shared.prepared import Prepared, ReadConnection, Record, attach, driver
from dudao_shared.regions import region_prefix, require_region

from ..common.access import unit_scope
from ..common.ids import parse_id
from ..models import ACTIONABLE, Assignment, Item, Plan
from ..plans.dependencies import WritablePlan
from ..policy import plan_ids_reached, staff_reach
from .schemas import ItemCreate, ItemMove
from .service import ItemNotFound, TaskNotFound


def _statement(*, tasks_only: bool, for_unit: bool, in_region: bool) -> Any:
    stmt = sa_select(*Item.__table__.c).where(  # type: ignore[attr-defined]
        col(Item.id) == bindparam("iid")
    )
    if in_region:
        # Regional staff: the item's plan lies in their region (``policy``).
        stmt = stmt.where(
            col(Item.plan_id).in_(
                select(Plan.id).where(col(Plan.region_code).startswith(bindparam("prefix")))
            )
        )
    if tasks_only:
        # The kinds as one bound value each: ``in_`` of a tuple is an expanding parameter,
        # whose SQL is rewritten (by regular expression) on every execution.
        stmt = stmt.where(col(Item.kind).in_([literal(k) for k in ACTIONABLE]))
    if for_unit:
        # One query either way: the unit check rides along as EXISTS.
        stmt = stmt.where(
            exists().where(
                col(Assignment.item_id) == col(Item.id),
                col(Assignment.unit_id) == bindparam("unit"),
            )
        )
    return stmt


# Built once: constructing the expression costs more CPU than running it on every read.
_STATEMENTS = {
    (tasks_only, for_unit, in_region): Prepared(
        _statement(tasks_only=tasks_only, for_unit=for_unit, in_region=in_region)
    )
    for tasks_only in (False, True)
    for for_unit in (False, True)
    for in_region in (False, True)
}


def _params(raw_id: str, principal: CurrentPrincipal, missing: NotFound) -> dict[str, Any]:
    params: dict[str, Any] = {"iid": parse_id(raw_id, missing)}
    unit = unit_scope(principal)
    if unit is not None:
        params["unit"] = unit
    reach = staff_reach(principal)
    if reach is not None:
        params["prefix"] = region_prefix(reach)
    return params


async def _load(
    raw_id: str, principal: CurrentPrincipal, session: SessionDep, *, tasks_only: bool
) -> Item:
    missing = TaskNotFound() if tasks_only else ItemNotFound()
    params = _params(raw_id, principal, missing)
    stmt = _STATEMENTS[(tasks_only, "unit" in params, "prefix" in params)]
    row = await stmt.fetchrow(await driver(session), params)
    if row is None:
        raise missing
    return attach(session, Item, row)


async def readable_item(item_id: str, principal: CurrentPrincipal, session: SessionDep) -> Item:
    """Staff read the items of their region's plans; a unit reads the tasks assigned to it."""
    return await _load(item_id, principal, session, tasks_only=False)


async def readable_task(task_id: str, principal: CurrentPrincipal, session: SessionDep) -> Item:
    """An item that is a task (or project), read under the same rule as items."""
    return await _load(task_id, principal, session, tasks_only=True)


async def readable_task_row(
    task_id: str, principal: CurrentPrincipal, conn: ReadConnection
) -> Record:
    """The task as ``readable_task`` finds it, as a plain row read on the driver."""
    missing = TaskNotFound()
    params = _params(task_id, principal, missing)
    # The same statement on a connection without a session: the read every unit's phone
    # page makes answers from the row.
    row: Record | None = await _STATEMENTS[(True, "unit" in params, "prefix" in params)].fetchrow(
        conn, params
    )
    if row is None:
        raise missing
    return row


ReadableItem = Annotated[Item, Depends(readable_item)]
ReadableTask = Annotated[Item, Depends(readable_task)]
ReadableTaskRow = Annotated[Record, Depends(readable_task_row)]


async def _require_plan_region(session: SessionDep, principal: StaffWriter, item: Item) -> None:
    region = await session.scalar(select(Plan.region_code).where(Plan.id == item.plan_id))
    require_region(principal, region)


async def writable_item(principal: StaffWriter, item: ReadableItem, session: SessionDep) -> Item:
    """An item a staff writer may change: its plan lies in the writer's region."""
    await _require_plan_region(session, principal, item)
    return item


async def writable_task(principal: StaffWriter, task: ReadableTask, session: SessionDep) -> Item:
    """A task a staff writer may give units to: its plan lies in the writer's region."""
    await _require_plan_region(session, principal, task)
    return task


WritableItem = Annotated[Item, Depends(writable_item)]
WritableTask = Annotated[Item, Depends(writable_task)]


async def visible_items(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """The items the caller may list: staff those of their region's plans, a unit the tasks it
    has assignments on."""
    unit = unit_scope(principal)
    if unit is None:
        return plan_ids_reached(principal, Item.plan_id)
    return col(Item.id).in_(select(Assignment.item_id).where(Assignment.unit_id == unit))


VisibleItems = Annotated[ColumnElement[bool], Depends(visible_items)]


async def _require_parent(
    session: SessionDep, plan_id: uuid.UUID, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    parent = await session.get(Item, parent_id)
    if parent is None or parent.plan_id != plan_id:
        raise ValidationFailed(
            "上级条目不在本规划中", errors=[{"field": "parent_id", "message": "上级条目不存在"}]
        )


async def new_item(plan: WritablePlan, session: SessionDep, body: ItemCreate) -> ItemCreate:
    """A new item's body, its parent (if any) loaded from the same plan."""
    await _require_parent(session, plan.id, body.parent_id)
    return body


async def item_move(item: WritableItem, session: SessionDep, body: ItemMove) -> ItemMove:
    """A move's body, the new parent (if any) loaded from the item's plan."""
    await _require_parent(session, item.plan_id, body.parent_id)
    return body


NewItem = Annotated[ItemCreate, Depends(new_item)]
ItemMoveTo = Annotated[ItemMove, Depends(item_move)]
