"""A plan's tree of items: codes from labels, document order from positions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.versioning import flush_versioned

from ..audit_trail import diff, record, snapshot
from ..models import ACTIONABLE, Assignment, Item, ItemDeadline, Plan, sort_key
from ..plans.light_store import refresh_tasks
from .schemas import DeadlineIn, DeadlineRead, ItemCreate, ItemMove, ItemRead, ItemUpdate

FIELDS = ("parent_id", "kind", "code", "label", "title", "body", "position", "due_on")


class ItemNotFound(NotFound):
    code, title = "item_not_found", "条目不存在"


class TaskNotFound(NotFound):
    code, title = "task_not_found", "任务不存在"


class ItemCodeTaken(Conflict):
    code, title = "item_code_taken", "同一规划内编号重复"


class ItemHasAssignments(Conflict):
    code, title = "item_has_assignments", "条目已有任务分工"


async def lock_plan(session: AsyncSession, plan_id: uuid.UUID) -> None:
    """Structural changes of one plan's tree go one at a time (positions and codes)."""
    await session.execute(select(Plan.id).where(Plan.id == plan_id).with_for_update())


async def deadlines_of(
    session: AsyncSession, item_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ItemDeadline]]:
    out: dict[uuid.UUID, list[ItemDeadline]] = defaultdict(list)
    if not item_ids:
        return out
    rows = (
        await session.execute(
            select(ItemDeadline)
            .where(col(ItemDeadline.item_id).in_(item_ids))
            .order_by(
                col(ItemDeadline.item_id), col(ItemDeadline.due_on), col(ItemDeadline.position)
            )
        )
    ).scalars()
    for d in rows:
        out[d.item_id].append(d)
    return out


def to_read(item: Item, deadlines: Sequence[ItemDeadline]) -> ItemRead:
    return ItemRead.model_validate(
        {**item.model_dump(), "deadlines": [DeadlineRead.model_validate(d) for d in deadlines]}
    )


async def read_many(session: AsyncSession, items: Sequence[Item]) -> list[ItemRead]:
    ds = await deadlines_of(session, [i.id for i in items])
    return [to_read(i, ds.get(i.id, [])) for i in items]


def deadline_rows(item_id: uuid.UUID, deadlines: Sequence[DeadlineIn]) -> list[ItemDeadline]:
    return [
        ItemDeadline(item_id=item_id, due_on=d.due_on, text=d.text, position=i)
        for i, d in enumerate(deadlines)
    ]


async def relayout(
    session: AsyncSession, plan_id: uuid.UUID, *, pin: tuple[uuid.UUID, int | None] | None = None
) -> None:
    """Recompute positions, sort keys and codes of a whole plan after a structural change.

    ``pin`` places one item at a position among its siblings (None = last); the others keep
    their order. Items whose derived fields change get a new version.
    """
    items = (await session.execute(select(Item).where(Item.plan_id == plan_id))).scalars().all()
    children: dict[uuid.UUID | None, list[Item]] = defaultdict(list)
    for it in sorted(items, key=lambda i: (i.position, i.sort_key)):
        children[it.parent_id].append(it)
    if pin is not None:
        pinned_id, where = pin
        for sibs in children.values():
            for idx, it in enumerate(sibs):
                if it.id == pinned_id:
                    sibs.pop(idx)
                    sibs.insert(len(sibs) if where is None else min(where, len(sibs)), it)
                    break
    seen: dict[str, Item] = {}

    def walk(parent: Item | None) -> None:
        for pos, it in enumerate(children.get(parent.id if parent else None, [])):
            code = f"{parent.code}.{it.label}" if parent else it.label
            key = sort_key(parent.sort_key if parent else None, pos)
            if code in seen:
                raise ItemCodeTaken(f"编号 {code} 已存在")
            seen[code] = it
            if (it.code, it.sort_key, it.position) != (code, key, pos):
                it.code, it.sort_key, it.position = code, key, pos
            walk(it)

    walk(None)
    await flush_versioned(session)


async def _check_no_cycle(session: AsyncSession, parent_id: uuid.UUID | None, moving: Item) -> None:
    """An item cannot move under itself or one of its descendants."""
    node = await session.get(Item, parent_id) if parent_id else None
    while node is not None:
        if node.id == moving.id:
            raise ValidationFailed(
                "不能移动到自身或其下级条目之下",
                errors=[{"field": "parent_id", "message": "会形成循环"}],
            )
        node = await session.get(Item, node.parent_id) if node.parent_id else None


async def create_item(
    session: AsyncSession, *, principal: Principal, plan: Plan, data: ItemCreate, today: dt.date
) -> ItemRead:
    await lock_plan(session, plan.id)
    due = max((d.due_on for d in data.deadlines), default=None)
    item = Item(
        plan_id=plan.id,
        parent_id=data.parent_id,
        kind=data.kind,
        label=data.label,
        code=f"~{uuid.uuid4().hex}",
        title=data.title,
        body=data.body,
        position=1_000_000,
        sort_key="~",
        due_on=due,
    )
    session.add(item)
    await session.flush()
    session.add_all(deadline_rows(item.id, data.deadlines))
    await relayout(session, plan.id, pin=(item.id, data.position))
    # Placing the new item took an UPDATE; to its readers it is still the first version.
    item.version = 1
    await flush_versioned(session)
    ds = (await deadlines_of(session, [item.id])).get(item.id, [])
    record(
        session,
        principal=principal,
        entity="item",
        entity_id=item.id,
        action="create",
        after={**snapshot(item, FIELDS), "deadlines": [d.due_on for d in ds]},
        plan_id=plan.id,
        task_id=item.id if item.kind in ACTIONABLE else None,
    )
    await refresh_tasks(session, [item.id], today)
    return to_read(item, ds)


async def update_item(
    session: AsyncSession, *, principal: Principal, item: Item, data: ItemUpdate, today: dt.date
) -> ItemRead:
    values = data.model_dump(exclude_unset=True, exclude={"deadlines"})
    for required in ("kind", "label", "title"):
        if required in values and values[required] is None:
            raise ValidationFailed(
                "字段不能为空", errors=[{"field": required, "message": "不能为空"}]
            )
    if values.get("kind") == "section" and item.kind in ACTIONABLE:
        has = await session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.item_id == item.id)
        )
        if has:
            raise ItemHasAssignments("已有任务分工的任务不能改为章节")
    old_ds = (await deadlines_of(session, [item.id])).get(item.id, [])
    before = {**snapshot(item, FIELDS), "deadlines": [d.due_on for d in old_ds]}
    if data.deadlines is not None:
        values["due_on"] = max((d.due_on for d in data.deadlines), default=None)
    relabel = "label" in values and values["label"] != item.label
    if relabel:
        await lock_plan(session, item.plan_id)
    item.sqlmodel_update(values)
    await flush_versioned(session)
    if data.deadlines is not None:
        await session.execute(delete(ItemDeadline).where(col(ItemDeadline.item_id) == item.id))
        session.add_all(deadline_rows(item.id, data.deadlines))
        await session.flush()
    if relabel:
        await relayout(session, item.plan_id)
    ds = (await deadlines_of(session, [item.id])).get(item.id, [])
    b, a = diff(before, {**snapshot(item, FIELDS), "deadlines": [d.due_on for d in ds]})
    record(
        session,
        principal=principal,
        entity="item",
        entity_id=item.id,
        action="update",
        before=b,
        after=a,
        plan_id=item.plan_id,
        task_id=item.id if item.kind in ACTIONABLE else None,
    )
    await refresh_tasks(session, [item.id], today)
    return to_read(item, ds)


async def move_item(
    session: AsyncSession, *, principal: Principal, item: Item, data: ItemMove
) -> ItemRead:
    await lock_plan(session, item.plan_id)
    await _check_no_cycle(session, data.parent_id, item)
    before = snapshot(item, FIELDS)
    item.parent_id = data.parent_id
    await flush_versioned(session)
    await relayout(session, item.plan_id, pin=(item.id, data.position))
    b, a = diff(before, snapshot(item, FIELDS))
    record(
        session,
        principal=principal,
        entity="item",
        entity_id=item.id,
        action="move",
        before=b,
        after=a,
        plan_id=item.plan_id,
        task_id=item.id if item.kind in ACTIONABLE else None,
    )
    return (await read_many(session, [item]))[0]


async def delete_item(session: AsyncSession, *, principal: Principal, item: Item) -> None:
    await lock_plan(session, item.plan_id)
    subtree = [item.id]
    frontier = [item.id]
    while frontier:
        kids = (
            (await session.execute(select(Item.id).where(col(Item.parent_id).in_(frontier))))
            .scalars()
            .all()
        )
        subtree.extend(kids)
        frontier = list(kids)
    reported = await session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(
            col(Assignment.item_id).in_(subtree),
            col(Assignment.status) != "not_started",
        )
    )
    if reported:
        raise ItemHasAssignments("条目（或其下级）已有单位开展工作，不能删除")
    before = snapshot(item, FIELDS)
    # Its subtree and deadlines go with it (ON DELETE CASCADE); the version guards the row.
    await session.delete(item)
    await flush_versioned(session)
    record(
        session,
        principal=principal,
        entity="item",
        entity_id=item.id,
        action="delete",
        before=before,
        plan_id=item.plan_id,
        task_id=item.id if item.kind in ACTIONABLE else None,
    )
    await relayout(session, item.plan_id)


ITEM_ORDERS = {"sort_key": col(Item.sort_key), "created_at": col(Item.created_at)}


async def list_items(
    session: AsyncSession,
    *,
    plan: Plan,
    visible: ColumnElement[bool],
    kind: str | None,
    parent_id: uuid.UUID | None,
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ItemRead], str | None]:
    """One page of a plan's items in document order, among those ``visible`` to the caller."""
    stmt = select(Item).where(Item.plan_id == plan.id, visible)
    if kind:
        stmt = stmt.where(Item.kind == kind)
    if parent_id:
        stmt = stmt.where(Item.parent_id == parent_id)
    rows, nxt = await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(order, ITEM_ORDERS, default="sort_key", id_column=col(Item.id)),
    )
    return await read_many(session, rows), nxt
