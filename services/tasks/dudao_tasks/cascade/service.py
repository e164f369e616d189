"""The cascade across government levels: a higher plan's collective tasks delivered to every
region as that region's own work, rolled back up; links between plans' tasks; annual lists.

A task given to a collective (各设区市政府, 各县（市、区）政府, 各地 … — ``common.collectives``)
becomes, in every region of that level under the plan's region, a copy (an item whose
``source_item_id`` is the task) in the region's 承接任务 list: a plan of kind ``delivered``
whose parent is the delivering plan and whose region is the receiving region. So the copy is
the region's own task in every respect — its staff give it to their units, its units report
on it, its lights follow the plan rules — with the parent's deadlines and one state per
region. The parent's state rolls up from the copies by the rule in ``common.rollup``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import get_today, utcnow
from dudao_shared.errors import NotFound, ValidationFailed
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.regions import contains, region_covers, region_prefix

from ..assignments.service import sync_task_statuses
from ..audit_trail import record
from ..common.collectives import receiving_levels
from ..common.rollup import DONE, rolled_up, share_done
from ..models import (
    ACTIONABLE,
    Assignment,
    Item,
    ItemDeadline,
    ItemLink,
    Plan,
    ProgressReport,
    Unit,
)
from ..plans.light_rules import LightRules, compute, rules_of, worst
from ..plans.schemas import AssignmentSpec, DeadlineIn, ItemSpec, PlanCreate
from ..plans.service import LEVEL_RANK, create_plan_tree
from ..regions import service as regions
from .schemas import (
    AnnualPlanCreate,
    CascadeResult,
    CascadeTask,
    LinkedTask,
    RegionState,
    TaskLinks,
)


class LinkNotFound(NotFound):
    code, title = "task_link_not_found", "任务关联不存在"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


def delivered_title(plan: Plan, region_name: str) -> str:
    return f"{plan.title}（{region_name}承接任务）"[:300]


# --- delivering -------------------------------------------------------------------------


async def collective_targets(
    session: AsyncSession, plan: Plan
) -> dict[uuid.UUID, list[regions.Region]]:
    """For each task of ``plan`` given to a collective, the regions that receive it."""
    rows = (
        await session.execute(
            select(Assignment.item_id, Unit.name)
            .join(Unit, col(Unit.id) == col(Assignment.unit_id))
            .where(Assignment.plan_id == plan.id)
        )
    ).all()
    below = [
        r
        for r in regions.all_regions()
        if r.code != plan.region_code and contains(plan.region_code, r.code)
    ]
    out: dict[uuid.UUID, list[regions.Region]] = {}
    for item_id, name in rows:
        levels = receiving_levels(name, plan.region_code)
        if levels:
            have = {r.code for r in out.get(item_id, [])}
            out.setdefault(item_id, []).extend(
                r for r in below if r.level in levels and r.code not in have
            )
    return out


async def deliver(session: AsyncSession, *, principal: Principal, plan: Plan) -> CascadeResult:
    """Deliver ``plan``'s collective tasks to their regions; what was delivered before stays.

    Rows are made in the server (a province plan of 30 tasks reaches 100 counties as 3,000
    copies); the audit trail records the cascade on the plan and each region's delivery on
    its list (with the number of tasks), not 3,000 events.
    """
    targets = await collective_targets(session, plan)
    if not targets:
        return CascadeResult(
            tasks=0, regions=0, delivered_plans=0, copies_created=0, copies_existing=0
        )
    # One delivery of a plan at a time: two would both create the same region's list.
    await session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())
    sources = {
        i.id: i
        for i in (
            await session.execute(
                select(Item).where(col(Item.id).in_(targets.keys()), col(Item.kind).in_(ACTIONABLE))
            )
        ).scalars()
    }
    list_ids: dict[str, uuid.UUID] = {
        code: pid
        for pid, code in (
            await session.execute(
                select(Plan.id, Plan.region_code).where(
                    Plan.parent_plan_id == plan.id, Plan.kind == "delivered"
                )
            )
        ).all()
    }
    now = utcnow()
    wanted = {r.code: r for rs in targets.values() for r in rs}
    new_lists: list[dict[str, object]] = []
    for code, region in sorted(wanted.items()):
        if code in list_ids:
            continue
        row = {
            "id": uuid.uuid4(),
            "title": delivered_title(plan, region.name),
            "doc_number": plan.doc_number,
            "issuer": plan.issuer,
            "issued_on": plan.issued_on,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "level": region.level,
            "region_code": code,
            "status": "published",
            "kind": "delivered",
            "year": None,
            "annual_of_id": None,
            "parent_plan_id": plan.id,
            "source_text": None,
            "light_rules": plan.light_rules,
            "version": 1,
            "created_by": principal.sub[:200],
            "created_at": now,
            "updated_at": now,
        }
        new_lists.append(row)
    if new_lists:
        await session.execute(insert(Plan), new_lists)
        list_ids.update({str(row["region_code"]): row["id"] for row in new_lists})  # type: ignore[misc]

    pairs = [
        (item_id, list_ids[region.code])
        for item_id, rs in targets.items()
        if item_id in sources
        for region in rs
    ]
    # The copies are made in the server from their sources (one statement, not 3,000 rows
    # through the driver); a pair delivered before is skipped by the unique (source, list).
    created = (
        await session.execute(
            text(
                """
                INSERT INTO item (id, plan_id, parent_id, kind, code, label, title, body,
                                  source_item_id, position, sort_key, status, due_on, version,
                                  created_at, updated_at)
                SELECT gen_random_uuid(), t.plan_id, NULL, i.kind, i.code, i.label, i.title,
                       i.body, i.id, i.position, i.sort_key, 'not_started', i.due_on, 1,
                       :now, :now
                FROM unnest(CAST(:items AS uuid[]), CAST(:plans AS uuid[])) AS t(item_id, plan_id)
                JOIN item i ON i.id = t.item_id
                ON CONFLICT ON CONSTRAINT uq_item_source_plan DO NOTHING
                RETURNING id, plan_id, source_item_id
                """
            ),
            {"items": [p[0] for p in pairs], "plans": [p[1] for p in pairs], "now": now},
        )
    ).all()
    if created:
        # The parent's deadlines, with the words they came from.
        await session.execute(
            text(
                """
                INSERT INTO item_deadline (id, item_id, due_on, text, position)
                SELECT gen_random_uuid(), c.id, d.due_on, d.text, d.position
                FROM item c JOIN item_deadline d ON d.item_id = c.source_item_id
                WHERE c.id = ANY(CAST(:ids AS uuid[]))
                """
            ),
            {"ids": [made.id for made in created]},
        )
    per_list: dict[uuid.UUID, int] = defaultdict(int)
    for made in created:
        per_list[made.plan_id] += 1
    for code, list_id in sorted(list_ids.items()):
        if per_list.get(list_id):
            record(
                session,
                principal=principal,
                entity="plan",
                entity_id=list_id,
                action="deliver",
                after={"source_plan_id": plan.id, "region_code": code, "tasks": per_list[list_id]},
                plan_id=list_id,
            )
    record(
        session,
        principal=principal,
        entity="plan",
        entity_id=plan.id,
        action="cascade",
        after={"regions": len(wanted), "copies": len(created)},
        plan_id=plan.id,
    )
    await session.flush()
    # A delivered task is now as far as its slowest region (common.rollup).
    await sync_task_statuses(session, [made.source_item_id for made in created])
    return CascadeResult(
        tasks=len(sources),
        regions=len(wanted),
        delivered_plans=len(new_lists),
        copies_created=len(created),
        copies_existing=len(pairs) - len(created),
    )


# --- rolling up -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """The regions a reader of a cascade may see: all under the plan, or their own only."""

    plan: Plan
    region_code: str | None

    def sees(self, code: str) -> bool:
        return region_covers(self.region_code, code)


async def cascade_view(
    session: AsyncSession,
    *,
    scope: Scope,
    today: dt.date,
    limit: int,
    cursor: str | None,
) -> tuple[list[CascadeTask], str | None]:
    """One page of ``plan``'s delivered tasks, each with the state of every region's copy."""
    plan = scope.plan
    stmt = select(Item).where(
        Item.plan_id == plan.id,
        col(Item.kind).in_(ACTIONABLE),
        col(Item.id).in_(select(Item.source_item_id).where(col(Item.source_item_id).is_not(None))),
    )
    parents, nxt = await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(
            None, {"sort_key": col(Item.sort_key)}, default="sort_key", id_column=col(Item.id)
        ),
    )
    return await rollup(session, parents, scope=scope, today=today), nxt


async def rollup(
    session: AsyncSession, parents: Sequence[Item], *, scope: Scope, today: dt.date
) -> list[CascadeTask]:
    """``parents`` rolled up from their copies: per copy its state, light (the plan rules'
    ``compute``), latest report and coverage; per parent the rule of ``common.rollup``.

    Plain columns rather than entities, and the copies named by a subquery on their 30-odd
    parents rather than by 3,000 bound ids: both cost more than the queries themselves.
    """
    if not parents:
        return []
    ids = [p.id for p in parents]
    copies = select(Item.id).where(col(Item.source_item_id).in_(ids))
    if scope.region_code:
        copies = copies.join(Plan, col(Plan.id) == col(Item.plan_id)).where(
            col(Plan.region_code).startswith(region_prefix(scope.region_code))
        )
    ids_q = copies.scalar_subquery()
    rows = (
        await session.execute(
            sa_select(
                col(Item.id),
                col(Item.plan_id),
                col(Item.source_item_id),
                col(Item.status),
                col(Item.created_at),
                col(Plan.region_code),
                col(Plan.light_rules),
            )
            .join(Plan, col(Plan.id) == col(Item.plan_id))
            .where(col(Item.id).in_(ids_q))
        )
    ).all()
    deadlines: dict[uuid.UUID, list[dt.date]] = defaultdict(list)
    for item_id, due in (
        await session.execute(
            select(col(ItemDeadline.item_id), col(ItemDeadline.due_on)).where(
                col(ItemDeadline.item_id).in_(ids_q)
            )
        )
    ).all():
        deadlines[item_id].append(due)
    units: dict[uuid.UUID, list[tuple[str, str, dt.date | None, str | None]]] = defaultdict(list)
    for item_id, role, last_on, reason, name in (
        await session.execute(
            sa_select(
                col(Assignment.item_id),
                col(Assignment.role),
                col(Assignment.last_report_on),
                col(Assignment.return_reason),
                col(Unit.name),
            )
            .join(Unit, col(Unit.id) == col(Assignment.unit_id))
            .where(col(Assignment.item_id).in_(ids_q))
            .order_by(col(Assignment.role).desc(), col(Assignment.created_at))
        )
    ).all():
        units[item_id].append((role, name, last_on, reason))
    latest: dict[uuid.UUID, tuple[dt.date, str]] = {}
    for item_id, reported_on, report_text in (
        await session.execute(
            select(
                col(ProgressReport.item_id),
                col(ProgressReport.reported_on),
                col(ProgressReport.text),
            )
            .where(col(ProgressReport.item_id).in_(ids_q))
            .ext(distinct_on(col(ProgressReport.item_id)))
            .order_by(col(ProgressReport.item_id), col(ProgressReport.created_at).desc())
        )
    ).all():
        latest[item_id] = (reported_on, report_text)
    covered: dict[uuid.UUID, int] = {
        target: n
        for target, n in (
            await session.execute(
                select(col(ItemLink.target_id), func.count())
                .where(col(ItemLink.target_id).in_(ids_q))
                .group_by(col(ItemLink.target_id))
            )
        ).all()
    }

    by_parent: dict[uuid.UUID, list[RegionState]] = defaultdict(list)
    rules_cache: dict[str, LightRules] = {}
    for copy_id, plan_id, source_id, status, created_at, code, raw_rules in rows:
        key = repr(raw_rules)
        if key not in rules_cache:
            rules_cache[key] = rules_of(raw_rules)
        own = units.get(copy_id, [])
        report = latest.get(copy_id)
        state = compute(
            status=status,
            deadlines=deadlines.get(copy_id, []),
            last_report_on=max((u[2] for u in own if u[2]), default=None),
            since=created_at.date(),
            rules=rules_cache[key],
            today=today,
        )
        region = regions.find(code)
        by_parent[source_id].append(
            RegionState(
                region_code=code,
                region_name=region.name if region else code,
                level=region.level if region else "",
                copy_id=copy_id,
                plan_id=plan_id,
                status=status,
                light=state.light,
                light_reasons=state.reasons,
                overdue=state.overdue,
                silent=report is None and status not in DONE,
                due_on=state.final_due_on,
                units=[u[1] for u in own],
                last_report_on=report[0] if report else None,
                last_report=report[1][:500] if report else None,
                return_reason=next((u[3] for u in own if u[3]), None),
                covered_by=covered.get(copy_id, 0),
            )
        )
    out = []
    for parent in parents:
        states = sorted(by_parent.get(parent.id, []), key=lambda s: s.region_code)
        statuses = [s.status for s in states]
        out.append(
            CascadeTask(
                task_id=parent.id,
                code=parent.code,
                title=parent.title,
                due_on=parent.due_on,
                # Rolled up over what this reader sees: a county reads its own region's part.
                status=rolled_up(statuses, delivered=True) if states else parent.status,
                light=worst(s.light for s in states),
                share_done=share_done(statuses),
                counts={
                    "done": sum(1 for s in states if s.status in DONE),
                    "late": sum(1 for s in states if s.overdue),
                    "silent": sum(1 for s in states if s.silent),
                    "total": len(states),
                },
                regions=states,
            )
        )
    return out


# --- links between tasks ----------------------------------------------------------------


async def plan_of(session: AsyncSession, item: Item) -> Plan:
    plan = await session.get(Plan, item.plan_id)
    assert plan is not None
    return plan


def link_kind(own: Plan, target_plan: Plan) -> str | None:
    """How a task of ``own`` may serve a task of ``target_plan`` (None: it may not).

    - ``advances``: an annual list's task advances its multi-year plan's task;
    - ``implements``: a lower plan's task carries out a higher plan's (higher level, region
      containing), or a region's own task covers its copy of a delivered task (same region).
    """
    if own.id == target_plan.id or own.kind == "delivered":
        # A delivered copy already points at its source; it is covered, it covers nothing.
        return None
    if own.kind == "annual" and own.annual_of_id == target_plan.id:
        return "advances"
    if not contains(target_plan.region_code, own.region_code):
        return None
    if target_plan.kind == "delivered" and own.kind != "delivered":
        return "implements" if target_plan.region_code == own.region_code else None
    if LEVEL_RANK.get(target_plan.level, 99) < LEVEL_RANK.get(own.level, 99):
        return "implements"
    return None


async def add_link(
    session: AsyncSession,
    *,
    principal: Principal,
    task: Item,
    target: Item,
    note: str | None,
) -> ItemLink:
    own, target_plan = await plan_of(session, task), await plan_of(session, target)
    kind = link_kind(own, target_plan)
    if kind is None:
        raise _invalid(
            "target_id", "只能关联上级规划（或本区划承接任务、所分解的多年规划）中的任务"
        )
    if target.kind not in ACTIONABLE:
        raise _invalid("target_id", "只能关联任务，不能关联章节")
    dup = await session.scalar(
        select(ItemLink.id).where(ItemLink.item_id == task.id, ItemLink.target_id == target.id)
    )
    if dup is not None:
        raise _invalid("target_id", "已关联该任务")
    link = ItemLink(
        item_id=task.id, target_id=target.id, kind=kind, note=note, created_by=principal.sub[:200]
    )
    session.add(link)
    await session.flush()
    record(
        session,
        principal=principal,
        entity="task_link",
        entity_id=link.id,
        action="create",
        after={"target_id": target.id, "kind": kind, "note": note},
        plan_id=task.plan_id,
        task_id=task.id,
    )
    return link


async def remove_link(session: AsyncSession, *, principal: Principal, link: ItemLink) -> None:
    item = await session.get(Item, link.item_id)
    record(
        session,
        principal=principal,
        entity="task_link",
        entity_id=link.id,
        action="delete",
        before={"target_id": link.target_id, "kind": link.kind},
        plan_id=item.plan_id if item else None,
        task_id=link.item_id,
    )
    await session.delete(link)
    await session.flush()


async def task_links(session: AsyncSession, *, task: Item, reader_region: str | None) -> TaskLinks:
    """Both directions of ``task``'s links, each linked task with its state and latest report
    (for an annual task: what it achieved). Tasks of a region the reader neither covers nor
    lies in (a peer's) are left out."""
    links = (
        await session.execute(
            select(ItemLink).where(
                (col(ItemLink.item_id) == task.id) | (col(ItemLink.target_id) == task.id)
            )
        )
    ).scalars()
    pairs = [(link, link.target_id if link.item_id == task.id else link.item_id) for link in links]
    other_ids = [other for _, other in pairs]
    items = {
        i.id: (i, p)
        for i, p in (
            await session.execute(
                select(Item, Plan)
                .join(Plan, col(Plan.id) == col(Item.plan_id))
                .where(col(Item.id).in_(other_ids))
            )
        ).all()
    }
    latest = {
        r.item_id: r
        for r in (
            await session.execute(
                select(ProgressReport)
                .where(col(ProgressReport.item_id).in_(other_ids))
                .ext(distinct_on(col(ProgressReport.item_id)))
                .order_by(col(ProgressReport.item_id), col(ProgressReport.created_at).desc())
            )
        ).scalars()
    }
    out = TaskLinks(serves=[], served_by=[])
    for link, other in sorted(pairs, key=lambda lp: lp[0].created_at):
        item, plan = items[other]
        if reader_region and not (
            contains(reader_region, plan.region_code) or contains(plan.region_code, reader_region)
        ):
            continue
        report = latest.get(other)
        entry = LinkedTask(
            link_id=link.id,
            kind="advances" if link.kind == "advances" else "implements",
            note=link.note,
            task_id=item.id,
            code=item.code,
            title=item.title,
            plan_id=plan.id,
            plan_title=plan.title,
            plan_kind=plan.kind,
            region_code=plan.region_code,
            year=plan.year,
            status=item.status,
            deliverable=item.deliverable,
            due_on=item.due_on,
            last_report_on=report.reported_on if report else None,
            last_report=report.text[:1000] if report else None,
        )
        (out.serves if link.item_id == task.id else out.served_by).append(entry)
    return out


# --- annual breakdown -------------------------------------------------------------------


async def create_annual_plan(
    session: AsyncSession,
    *,
    principal: Principal,
    plan: Plan,
    data: AnnualPlanCreate,
    sources: dict[uuid.UUID, Item],
) -> Plan:
    """The year's key-task list (年度重点工作任务) derived from the multi-year ``plan``: each
    annual task names the plan task(s) it advances (``sources``, loaded and checked by the
    caller), its own deliverable, deadline and units."""
    if plan.kind != "plan":
        raise _invalid("year", "只能从规划本身分解年度重点工作任务")
    if (plan.period_start and data.year < plan.period_start) or (
        plan.period_end and data.year > plan.period_end
    ):
        raise _invalid("year", f"年度须在规划期 {plan.period_start}–{plan.period_end} 之内")
    items: list[ItemSpec] = []
    assignments: list[AssignmentSpec] = []
    for i, t in enumerate(data.tasks):
        code = str(i + 1)
        first = sources[t.advances[0]]
        items.append(
            ItemSpec(
                code=code,
                kind="task",
                title=t.title or first.title,
                deadlines=[DeadlineIn(due_on=t.due_on, text=None)] if t.due_on else [],
            )
        )
        if t.units and not any(u.role == "lead" for u in t.units):
            raise _invalid(f"tasks.{i}.units", "请至少指定一个牵头单位")
        assignments.extend(
            AssignmentSpec(code=code, unit_id=u.unit_id, role=u.role) for u in t.units
        )
    annual = await create_plan_tree(
        session,
        principal=principal,
        plan=PlanCreate(
            title=data.title or f"{plan.title}{data.year}年重点工作任务"[:300],
            issuer=plan.issuer,
            period_start=data.year,
            period_end=data.year,
            level=plan.level,  # type: ignore[arg-type]
            region_code=plan.region_code,
        ),
        items=items,
        assignments=assignments,
        today=get_today(),
    )
    annual.kind, annual.year, annual.annual_of_id = "annual", data.year, plan.id
    rows = {
        i.code: i
        for i in (await session.execute(select(Item).where(Item.plan_id == annual.id))).scalars()
    }
    for i, t in enumerate(data.tasks):
        item = rows[str(i + 1)]
        item.deliverable = t.deliverable
        for target in dict.fromkeys(t.advances):
            session.add(
                ItemLink(
                    item_id=item.id,
                    target_id=target,
                    kind="advances",
                    created_by=principal.sub[:200],
                )
            )
    record(
        session,
        principal=principal,
        entity="plan",
        entity_id=annual.id,
        action="annual_breakdown",
        after={"annual_of_id": plan.id, "year": data.year, "tasks": len(data.tasks)},
        plan_id=annual.id,
    )
    await session.flush()
    return annual


def annual_sources_filter(plan: Plan, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    return (col(Item.plan_id) == plan.id) & col(Item.id).in_(ids)
