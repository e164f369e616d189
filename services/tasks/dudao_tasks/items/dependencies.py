from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import bindparam, exists, select

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep

from ..assignments.models import Assignment
from ..common.access import unit_scope
from ..common.ids import parse_id
from .models import Item
from .service import ACTIONABLE, ItemNotFound, TaskNotFound


def _statement(*, tasks_only: bool, for_unit: bool) -> Any:
    stmt = select(Item).where(Item.id == bindparam("iid"))
    if tasks_only:
        stmt = stmt.where(Item.kind.in_(ACTIONABLE))  # type: ignore[attr-defined]
    if for_unit:
        # One query either way: the unit check rides along as EXISTS.
        stmt = stmt.where(
            exists().where(Assignment.item_id == Item.id, Assignment.unit_id == bindparam("unit"))
        )
    return stmt


# Built once: constructing the expression costs more CPU than running it on every read.
_STATEMENTS = {
    (tasks_only, for_unit): _statement(tasks_only=tasks_only, for_unit=for_unit)
    for tasks_only in (False, True)
    for for_unit in (False, True)
}


async def _load(
    raw_id: str, principal: CurrentPrincipal, session: SessionDep, *, tasks_only: bool
) -> Item:
    missing = TaskNotFound() if tasks_only else ItemNotFound()
    iid = parse_id(raw_id, missing)
    unit = unit_scope(principal)
    params: dict[str, Any] = {"iid": iid}
    if unit is not None:
        params["unit"] = unit
    stmt = _STATEMENTS[(tasks_only, unit is not None)]
    item = (await session.execute(stmt, params)).scalar_one_or_none()
    if item is None:
        raise missing
    return item


async def readable_item(item_id: str, principal: CurrentPrincipal, session: SessionDep) -> Item:
    """Staff read every item; a unit reads the tasks assigned to it."""
    return await _load(item_id, principal, session, tasks_only=False)


async def readable_task(task_id: str, principal: CurrentPrincipal, session: SessionDep) -> Item:
    return await _load(task_id, principal, session, tasks_only=True)


ReadableItem = Annotated[Item, Depends(readable_item)]
ReadableTask = Annotated[Item, Depends(readable_task)]
