"""Plans: creation with their whole tree, edits, status, and who may see them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import utcnow
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.jobs import defer_in
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.regions import contains, level_of, region_prefix
from dudao_shared.versioning import flush_versioned

from ..audit_trail import diff, record, snapshot
from ..common.labels import split_code
from ..models import ACTIONABLE, Assignment, Item, ItemDeadline, Plan, sort_key
from ..regions import service as regions
from ..subscriptions import service as subscriptions
from .light_store import INLINE_PLAN_TASKS, REFRESH_PLAN_TASK, refresh_plan, refresh_tasks
from .schemas import AssignmentSpec, ItemSpec, PlanCreate, PlanUpdate

FIELDS = (
    "title",
    "doc_number",
    "issuer",
    "issued_on",
    "period_start",
    "period_end",
    "level",
    "region_code",
    "status",
    "parent_plan_id",
    "light_rules",
    "disclosed",
    "supervision_rules",
)
TRANSITIONS = {("draft", "published"), ("published", "archived"), ("archived", "published")}


class PlanNotFound(NotFound):
    code, title = "plan_not_found", "规划不存在"


class InvalidTransition(Conflict):
    code, title = "invalid_status_transition", "状态不能这样变更"


def _invalid(field: str, message: str, detail: str | None = None) -> ValidationFailed:
    return ValidationFailed(detail or message, errors=[{"field": field, "message": message}])


def check_region(code: str) -> None:
    """A region code must name a region of the reference data (422 naming ``region_code``)."""
    if not regions.exists(code):
        raise _invalid("region_code", f"未知的区划代码 {code}")


# How high a plan's level stands: a parent plan must stand strictly higher. A development
# zone stands with the counties, under its city.
LEVEL_RANK = {"province": 0, "city": 1, "development_zone": 2, "county": 2, "township": 3}
LEVEL_NAMES = {
    "province": "省级",
    "city": "市级",
    "development_zone": "开发区",
    "county": "县级",
    "township": "乡镇级",
}
# The region levels a plan of each level may name (the reference data stops at counties).
_REGION_LEVELS = {
    "province": {"province"},
    "city": {"city"},
    "development_zone": {"city", "county"},
    "county": {"county"},
    "township": {"county"},
}


def check_level(level: str, region_code: str) -> None:
    """A plan's level must match its region (422 naming ``level``)."""
    if level_of(region_code) not in _REGION_LEVELS.get(level, set()):
        raise _invalid(
            "level",
            f"层级与区划不符：{region_code} 不是{LEVEL_NAMES.get(level, level)}区划",
        )


def check_parent_level(parent: Plan, level: str, region_code: str) -> None:
    """A parent plan stands higher than the child and its region contains the child's."""
    if LEVEL_RANK[parent.level] >= LEVEL_RANK.get(level, 99):
        raise _invalid(
            "parent_plan_id",
            f"上位规划须高于本规划的层级（上位为{LEVEL_NAMES.get(parent.level, parent.level)}）",
        )
    if not contains(parent.region_code, region_code):
        raise _invalid("parent_plan_id", f"上位规划的区划 {parent.region_code} 不包含本规划的区划")


async def _check_parent_plan(
    session: AsyncSession,
    parent_id: uuid.UUID | None,
    own_id: uuid.UUID | None,
    *,
    level: str | None = None,
    region_code: str | None = None,
) -> None:
    if parent_id is not None and level is not None and region_code is not None:
        direct = await session.get(Plan, parent_id)
        if direct is None:
            raise _invalid("parent_plan_id", "上位规划不存在")
        check_parent_level(direct, level, region_code)
    seen: set[uuid.UUID] = set()
    node = parent_id
    while node is not None:
        if node == own_id or node in seen:
            raise _invalid("parent_plan_id", "上位规划不能形成循环")
        seen.add(node)
        parent = await session.get(Plan, node)
        if parent is None:
            raise _invalid("parent_plan_id", "上位规划不存在")
        node = parent.parent_plan_id


async def _check_children(
    session: AsyncSession, plan_id: uuid.UUID, level: str, region_code: str
) -> None:
    """A plan moved to another level or region must still stand above its child plans."""
    children = (await session.execute(select(Plan).where(Plan.parent_plan_id == plan_id))).scalars()
    for child in children:
        if LEVEL_RANK[level] >= LEVEL_RANK.get(child.level, 99) or not contains(
            region_code, child.region_code
        ):
            raise _invalid("level", f"下级规划《{child.title[:40]}》将不再位于本规划之下")


async def create_plan_tree(
    session: AsyncSession,
    *,
    principal: Principal,
    plan: PlanCreate,
    items: Sequence[ItemSpec],
    assignments: Sequence[AssignmentSpec],
    today: dt.date,
) -> Plan:
    """Create a plan with its items, deadlines and unit assignments in one flush.

    ``items`` come in document order; each item's parent is the item whose code is its code
    without the last label (``二.(一).1`` → ``二.(一)``) and must come before it.
    ``assignments`` name tasks by code. Every task given units needs at least one lead.
    Nothing is written when anything is invalid (422 naming ``items[i].…`` /
    ``assignments[i].…``). The caller's session commits.
    """
    check_region(plan.region_code)
    check_level(plan.level, plan.region_code)
    await _check_parent_plan(
        session, plan.parent_plan_id, None, level=plan.level, region_code=plan.region_code
    )
    row = Plan(
        **plan.model_dump(exclude={"items", "assignments", "light_rules", "supervision_rules"}),
        light_rules=plan.light_rules.model_dump() if plan.light_rules else {},
        supervision_rules=(plan.supervision_rules.model_dump() if plan.supervision_rules else {}),
        created_by=principal.sub[:200],
    )
    session.add(row)

    by_code: dict[str, Item] = {}
    child_count: dict[str | None, int] = {}
    deadlines: list[ItemDeadline] = []
    for i, spec in enumerate(items):
        code = ".".join(p.strip() for p in spec.code.split("."))
        if code in by_code:
            raise _invalid(f"items.{i}.code", f"编号 {code} 重复")
        parent_code, label = split_code(code)
        if not label or (parent_code is not None and not parent_code):
            raise _invalid(f"items.{i}.code", "编号格式无效")
        parent = by_code.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise _invalid(f"items.{i}.code", f"上级编号 {parent_code} 未在此前出现")
        pos = child_count.get(parent_code, 0)
        child_count[parent_code] = pos + 1
        item = Item(
            id=uuid.uuid4(),
            plan_id=row.id,
            parent_id=parent.id if parent else None,
            kind=spec.kind,
            code=code,
            label=label,
            title=spec.title,
            body=spec.body,
            position=pos,
            sort_key=sort_key(parent.sort_key if parent else None, pos),
            due_on=max((d.due_on for d in spec.deadlines), default=None),
        )
        by_code[code] = item
        deadlines.extend(
            ItemDeadline(item_id=item.id, due_on=d.due_on, text=d.text, position=j)
            for j, d in enumerate(spec.deadlines)
        )

    rows: list[Assignment] = []
    pairs: set[tuple[str, uuid.UUID]] = set()
    leads: dict[str, bool] = {}
    for i, assignment in enumerate(assignments):
        task = by_code.get(assignment.code)
        if task is None:
            raise _invalid(f"assignments.{i}.code", f"编号 {assignment.code} 不在条目中")
        if task.kind not in ACTIONABLE:
            raise _invalid(f"assignments.{i}.code", f"{assignment.code} 是章节，不能分工")
        if (assignment.code, assignment.unit_id) in pairs:
            raise _invalid(f"assignments.{i}.unit_id", "同一任务重复分配给同一单位")
        pairs.add((assignment.code, assignment.unit_id))
        leads[assignment.code] = leads.get(assignment.code, False) or assignment.role == "lead"
        rows.append(
            Assignment(
                plan_id=row.id,
                item_id=task.id,
                unit_id=assignment.unit_id,
                role=assignment.role,
                assigned_by=principal.sub[:200],
            )
        )
    missing = sorted(code for code, has_lead in leads.items() if not has_lead)
    if missing:
        raise _invalid("assignments", f"以下任务没有牵头单位：{'、'.join(missing[:10])}")

    await session.flush()
    session.add_all(by_code.values())
    await session.flush()
    session.add_all(deadlines)
    session.add_all(rows)
    record(
        session,
        principal=principal,
        entity="plan",
        entity_id=row.id,
        action="create",
        after={**snapshot(row, FIELDS), "items": len(by_code), "assignments": len(rows)},
        plan_id=row.id,
    )
    for a in rows:
        record(
            session,
            principal=principal,
            entity="assignment",
            entity_id=a.id,
            action="create",
            after={"unit_id": a.unit_id, "role": a.role},
            plan_id=row.id,
            task_id=a.item_id,
            unit_id=a.unit_id,
        )
    await session.flush()
    await refresh_tasks(session, [i.id for i in by_code.values()], today)
    return row


async def update_plan(
    session: AsyncSession, *, principal: Principal, plan: Plan, data: PlanUpdate, today: dt.date
) -> Plan:
    values = data.model_dump(exclude_unset=True)
    for required in (
        "title",
        "level",
        "region_code",
        "status",
        "light_rules",
        "disclosed",
        "supervision_rules",
    ):
        if required in values and values[required] is None:
            raise _invalid(required, "不能为空")
    if "region_code" in values and values["region_code"] != plan.region_code:
        check_region(values["region_code"])
    level = values.get("level") or plan.level
    region_code = values.get("region_code") or plan.region_code
    if "level" in values or "region_code" in values:
        check_level(level, region_code)
    if {"parent_plan_id", "level", "region_code"} & values.keys():
        await _check_parent_plan(
            session,
            values.get("parent_plan_id", plan.parent_plan_id),
            plan.id,
            level=level,
            region_code=region_code,
        )
        if "level" in values or "region_code" in values:
            await _check_children(session, plan.id, level, region_code)
    if "status" in values and values["status"] != plan.status:
        if (plan.status, values["status"]) not in TRANSITIONS:
            raise InvalidTransition(f"不能从 {plan.status} 变更为 {values['status']}")
    start = values.get("period_start", plan.period_start)
    end = values.get("period_end", plan.period_end)
    if start is not None and end is not None and end < start:
        raise _invalid("period_end", "规划期结束年份不能早于开始年份")
    disclosing = values.get("disclosed") is True and not plan.disclosed
    if values.get("disclosed", plan.disclosed) and values.get("status", plan.status) == "draft":
        # A draft is not yet the commission's word: it never reaches a portal.
        raise _invalid("disclosed", "草稿规划不能公开，请先发布")
    before = snapshot(plan, FIELDS)
    plan.sqlmodel_update(values)
    if disclosing:
        plan.disclosed_at = utcnow()
    await flush_versioned(session)
    b, a = diff(before, snapshot(plan, FIELDS))
    record(
        session,
        principal=principal,
        entity="plan",
        entity_id=plan.id,
        action="update",
        before=b,
        after=a,
        plan_id=plan.id,
    )
    if disclosing:
        await subscriptions.plan_published(session, plan)
    if "light_rules" in a:
        await _relight(session, plan.id, today)
    return plan


async def _relight(session: AsyncSession, plan_id: uuid.UUID, today: dt.date) -> None:
    """New rules move every light of the plan: recomputed in the request for a plan of up to
    ``INLINE_PLAN_TASKS`` tasks, by a job (committed with the change) for a larger one."""
    tasks = await session.scalar(
        select(func.count()).select_from(
            select(Item.id)
            .where(Item.plan_id == plan_id, col(Item.kind).in_(ACTIONABLE))
            .limit(INLINE_PLAN_TASKS + 1)
            .subquery()
        )
    )
    if (tasks or 0) <= INLINE_PLAN_TASKS:
        await refresh_plan(session, plan_id, today)
    else:
        await defer_in(
            session,
            REFRESH_PLAN_TASK,
            args={"plan_id": str(plan_id)},
            lock=f"{REFRESH_PLAN_TASK}:{plan_id}",
        )


ORDERS = {
    "created_at": col(Plan.created_at),
    "updated_at": col(Plan.updated_at),
    "title": col(Plan.title),
}


async def list_plans(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    status: str | None,
    region_code: str | None,
    level: str | None,
    parent_plan_id: uuid.UUID | None,
    q: str | None,
    order: str | None,
    kind: str | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Plan], str | None]:
    """One page of the plans matching the filters among those ``visible`` to the caller."""
    stmt = select(Plan).where(visible)
    if status:
        stmt = stmt.where(Plan.status == status)
    if region_code:
        stmt = stmt.where(col(Plan.region_code).startswith(region_prefix(region_code)))
    if level:
        stmt = stmt.where(Plan.level == level)
    if parent_plan_id:
        stmt = stmt.where(Plan.parent_plan_id == parent_plan_id)
    if kind:
        stmt = stmt.where(Plan.kind == kind)
    if q:
        stmt = stmt.where(col(Plan.title).contains(q))
    return await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(order, ORDERS, default="-created_at", id_column=col(Plan.id)),
    )
