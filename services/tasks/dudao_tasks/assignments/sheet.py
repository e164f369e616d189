"""A plan's tasks with their units in a spreadsheet (the 任务分工台账): template, export and
import with a dry run, for an existing plan.

A row is one task, found by its code in the plan (``二.(一).3``); a new code is placed under
the item its code names as parent (``二.(一)``), which must exist or come earlier in the file.
The 牵头单位/配合单位 cells list unit names, resolved in the plan's region as the API resolves
them (a retired unit's name goes to its successor, with a warning in the row). Every change
goes through the items' and assignments' own services, each row in its own savepoint; a dry
run is the import rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import get_today
from dudao_shared.errors import Conflict, Problem
from dudao_shared.sheet_jobs import ImportRequest, SheetImporter
from dudao_shared.sheets import (
    Action,
    Cell,
    CellError,
    CellProblem,
    ImportMode,
    ImportSummary,
    Progress,
    RowOutcome,
    SheetColumn,
    SheetKind,
    SheetRow,
    as_date,
    as_list,
    finish_import,
    report,
)

from ..items import service as items_service
from ..items.schemas import ItemCreate, ItemUpdate
from ..models import Assignment, Item, Plan, ProgressReport, Unit
from ..plans.schemas import DeadlineIn
from ..plans.service import PlanNotFound
from ..units import service as units_service
from . import service
from .schemas import AssignmentCreate, AssignmentUpdate

ACTIONABLE = ("task", "project")

KIND = SheetKind(
    name="tasks",
    title="任务分工",
    columns=(
        SheetColumn(
            "code", "任务编号", 14, True, "如 二.(一).3；新编号放在其上级编号之下", "二.(一).4"
        ),
        SheetColumn("title", "任务名称", 40, True, "", "完善疾病预防控制体系"),
        SheetColumn("body", "任务内容", 50, False, "具体内容（可空）", ""),
        SheetColumn("lead", "牵头单位", 24, False, "多个单位用顿号分隔", "区卫健委"),
        SheetColumn("co", "配合单位", 30, False, "多个单位用顿号分隔", "区发改委、区财政局"),
        SheetColumn("due", "完成时限", 22, False, "日期，多个用顿号分隔", "2025-12-31"),
        SheetColumn("due_text", "时限原文", 20, False, "原文表述，如 2025年底前", "2025年底前"),
    ),
    instructions=(
        "一行是规划中的一项任务，按任务编号识别；已有编号的行更新任务，新编号的行新建任务。",
        "单位名称按规划所在区划解析（名称或别名）；已停用单位的名称解析为其承继单位并提示。",
        "表中未列出的原有责任单位会被移除；已有进展填报的单位不能移除。",
        "先“预检”查看每一行将新建、更新或不变，以及每个错误所在的行和列；无误后再导入。",
    ),
)


async def rows_for(session: AsyncSession, plan: Plan) -> list[list[Cell]]:
    items = (
        await session.scalars(
            select(Item)
            .where(Item.plan_id == plan.id, col(Item.kind).in_(ACTIONABLE))
            .order_by(col(Item.sort_key))
        )
    ).all()
    deadlines = await items_service.deadlines_of(session, [i.id for i in items])
    units = await _units_of(session, [i.id for i in items])
    out: list[list[Cell]] = []
    for i in items:
        ds = deadlines.get(i.id, [])
        out.append(
            [
                i.code,
                i.title,
                i.body,
                "、".join(n for n, role in units.get(i.id, []) if role == "lead"),
                "、".join(n for n, role in units.get(i.id, []) if role == "co"),
                "、".join(d.due_on.isoformat() for d in ds),
                "；".join(d.text for d in ds if d.text) or None,
            ]
        )
    return out


async def _units_of(
    session: AsyncSession, item_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, str]]]:
    rows = await session.execute(
        select(Assignment.item_id, Unit.name, Assignment.role)
        .join(Unit, col(Unit.id) == col(Assignment.unit_id))
        .where(col(Assignment.item_id).in_(item_ids))
        .order_by(col(Assignment.created_at))
    )
    out: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for item_id, name, role in rows:
        out.setdefault(item_id, []).append((name, role))
    return out


def _error(row: int, key: str, message: str) -> CellError:
    return CellError(row=row, column=KIND.header_of(key), message=message)


async def import_rows(
    session: AsyncSession,
    principal: Principal,
    *,
    plan: Plan,
    rows: Sequence[SheetRow],
    dry_run: bool,
    mode: ImportMode,
    progress: Progress | None = None,
) -> ImportSummary:
    outer = await session.begin_nested()
    seen: dict[str, int] = {}
    outcomes: list[RowOutcome] = []
    for r in rows:
        outcomes.append(await _import_row(session, principal, plan, r, seen))
        report(progress, len(outcomes), len(rows))
    return await finish_import(outer, KIND, outcomes, dry_run=dry_run, mode=mode)


async def _item(session: AsyncSession, plan: Plan, code: str) -> Item | None:
    return await session.scalar(select(Item).where(Item.plan_id == plan.id, Item.code == code))


async def _resolve(
    session: AsyncSession, plan: Plan, names: list[str], column: str, row: int
) -> tuple[list[uuid.UUID], list[str]]:
    if not names:
        return [], []
    result = await units_service.resolve_names(
        session, region_code=plan.region_code, names=names, on=get_today()
    )
    if result.unresolved:
        raise CellProblem(
            f"本区划找不到单位：{'、'.join(result.unresolved)}（请先在单位名录中新建或添加别名）"
        )
    warnings = [i.warning for i in result.items if i.warning]
    return [i.unit.id for i in result.items if i.unit is not None], warnings


def _deadlines(due: str | None, text: str | None) -> list[DeadlineIn]:
    dates = [as_date(d) for d in as_list(due)]
    texts = [t.strip() for t in (text or "").split("；")]
    return [
        DeadlineIn(due_on=d, text=(texts[n] if n < len(texts) and texts[n] else None))
        for n, d in enumerate(dates)
        if d is not None
    ]


async def _import_row(
    session: AsyncSession, principal: Principal, plan: Plan, r: SheetRow, seen: dict[str, int]
) -> RowOutcome:
    v = r.values
    code = (v.get("code") or "").strip()
    errors: list[CellError] = []

    def fail(column: str, message: str) -> RowOutcome:
        errors.append(_error(r.number, column, message))
        return RowOutcome(row=r.number, key=code, action="error", errors=errors)

    if code in seen:
        return fail("code", f"与第 {seen[code]} 行是同一任务")
    seen[code] = r.number
    try:
        deadlines = _deadlines(v.get("due"), v.get("due_text"))
    except CellProblem as exc:
        return fail("due", str(exc))
    wanted: dict[uuid.UUID, str] = {}
    warnings: list[str] = []
    for column in ("lead", "co"):
        try:
            ids, notes = await _resolve(session, plan, as_list(v.get(column)), column, r.number)
        except CellProblem as exc:
            return fail(column, str(exc))
        warnings += notes
        for uid in ids:
            wanted.setdefault(uid, column)
    if wanted and "lead" not in wanted.values():
        return fail("lead", "有责任单位的任务至少要有一个牵头单位")
    item = await _item(session, plan, code)
    if item is not None and item.kind not in ACTIONABLE:
        return fail("code", f"“{code}”是章节，不是任务")
    try:
        async with session.begin_nested():
            changes: dict[str, list[str | None]] = {}
            if item is None:
                parent_code, _, label = code.rpartition(".")
                parent = await _item(session, plan, parent_code) if parent_code else None
                if parent_code and parent is None:
                    return fail("code", f"上级编号“{parent_code}”在规划中不存在")
                created = await items_service.create_item(
                    session,
                    principal=principal,
                    plan=plan,
                    data=ItemCreate(
                        parent_id=parent.id if parent else None,
                        kind="task",
                        label=label,
                        title=v.get("title") or "",
                        body=v.get("body"),
                        deadlines=deadlines,
                    ),
                    today=get_today(),
                )
                item = await session.get(Item, created.id)
                assert item is not None
                action: Action = "create"
            else:
                action = "unchanged"
                update = await _item_changes(session, item, v, deadlines, changes)
                if update is not None:
                    await items_service.update_item(
                        session, principal=principal, item=item, data=update, today=get_today()
                    )
                    action = "update"
            if await _sync_units(session, principal, item, wanted, changes) and action != "create":
                action = "update"
            outcome = RowOutcome(row=r.number, key=code, action=action, changes=changes)
            if warnings:
                outcome.changes["提示"] = [None, "；".join(warnings)]
            return outcome
    except Problem as exc:
        by_field = {
            "title": "title",
            "label": "code",
            "deadlines": "due",
            "lead": "lead",
            "co": "co",
        }
        errors.extend(
            _error(r.number, by_field.get(e.get("field", "").split(".")[0], "code"), e["message"])
            for e in exc.errors or []
        )
        return (
            fail("code", exc.detail or exc.title)
            if not errors
            else RowOutcome(row=r.number, key=code, action="error", errors=errors)
        )
    except ValueError as exc:  # a pydantic check of a new task (an empty title, say)
        return fail("title", str(exc).splitlines()[-1] if str(exc) else "任务名称不能为空")


async def _item_changes(
    session: AsyncSession,
    item: Item,
    v: dict[str, str | None],
    deadlines: list[DeadlineIn],
    changes: dict[str, list[str | None]],
) -> ItemUpdate | None:
    update: dict[str, object] = {}
    title = v.get("title")
    if title and title != item.title:
        update["title"] = title
        changes["任务名称"] = [item.title, title]
    if (v.get("body") or None) != (item.body or None):
        update["body"] = v.get("body")
        changes["任务内容"] = [item.body, v.get("body")]
    old = (await items_service.deadlines_of(session, [item.id])).get(item.id, [])
    if [(d.due_on, d.text or None) for d in old] != [(d.due_on, d.text) for d in deadlines]:
        update["deadlines"] = deadlines
        changes["完成时限"] = [
            "、".join(d.due_on.isoformat() for d in old) or None,
            "、".join(d.due_on.isoformat() for d in deadlines) or None,
        ]
    return ItemUpdate.model_validate(update) if update else None


async def _sync_units(
    session: AsyncSession,
    principal: Principal,
    item: Item,
    wanted: dict[uuid.UUID, str],
    changes: dict[str, list[str | None]],
) -> bool:
    """Make the task's units those of the row: add (leads first), change roles, remove."""
    current = {
        a.unit_id: a
        for a in (await session.scalars(select(Assignment).where(Assignment.item_id == item.id)))
    }
    before = {u: a.role for u, a in current.items()}
    if before == wanted:
        return False
    for uid in sorted(wanted, key=lambda u: wanted[u] != "lead"):
        role = wanted[uid]
        if uid not in current:
            await service.create_assignment(
                session,
                principal=principal,
                task=item,
                data=AssignmentCreate(unit_id=uid, role=role),  # type: ignore[arg-type]
                today=get_today(),
            )
        elif current[uid].role != role:
            await service.update_assignment(
                session,
                principal=principal,
                target=current[uid],
                data=AssignmentUpdate(role=role),  # type: ignore[arg-type]
                today=get_today(),
            )
    for uid, a in current.items():
        if uid in wanted:
            continue
        reports = await session.scalar(
            select(func.count())
            .select_from(ProgressReport)
            .where(ProgressReport.assignment_id == a.id)
        )
        if reports:
            raise UnitHasReports(
                "已有进展填报的责任单位不能通过导入移除",
                errors=[
                    {
                        "field": "lead" if a.role == "lead" else "co",
                        "message": "已有进展填报，不能移除",
                    }
                ],
            )
        await service.delete_assignment(
            session, principal=principal, assignment=a, today=get_today()
        )
    by_id = {u.id: u.name for u in await _load_units(session, set(before) | set(wanted))}
    changes["责任单位"] = [
        "、".join(f"{by_id[u]}（{'牵头' if r == 'lead' else '配合'}）" for u, r in before.items())
        or None,
        "、".join(f"{by_id[u]}（{'牵头' if r == 'lead' else '配合'}）" for u, r in wanted.items())
        or None,
    ]
    return True


async def _load_units(session: AsyncSession, ids: set[uuid.UUID]) -> list[Unit]:
    return list((await session.scalars(select(Unit).where(col(Unit.id).in_(ids)))).all())


class UnitHasReports(Conflict):
    code, title = "unit_has_reports", "已有进展填报的责任单位不能移除"


async def _import(
    session: AsyncSession,
    principal: Principal,
    request: ImportRequest,
    rows: list[SheetRow],
    progress: Progress | None,
) -> ImportSummary:
    # The route has loaded and authorised the plan (this finds it in the session); a job's plan
    # may have been deleted since.
    plan = await session.get(Plan, uuid.UUID(request.params["plan_id"]))
    if plan is None:
        raise PlanNotFound()
    return await import_rows(
        session,
        principal,
        plan=plan,
        rows=rows,
        dry_run=request.dry_run,
        mode=request.mode,
        progress=progress,
    )


# What the import route runs, and the worker for a file too large for a request.
IMPORTER = SheetImporter(KIND, _import)
