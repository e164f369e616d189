"""Bulletins (通报): a plan's supervision figures per region, computed once and kept as issued.

Counts are over the assignments of the plan whose unit lies in the bulletin's region, as of
the day of issue:
- done: accepted (办结), a co unit's part with its task; on_time / late: done, with the completion submitted by / after the
  unit's last deadline (an approved extension counts); returned: sent back (退回) and not yet
  redone; overdue: not completed and past the last deadline; open_notices: 督办单 not closed.
- ranking: each unit's score is the plan's ``ranking_weights`` (see
  ``plans.supervision_rules``) applied to its counts, per assignment, × 100; higher first,
  ties to fewer overdue, then to the name.
- red list: every overdue assignment (days overdue, its open 督办单) and every notice listed
  for 约谈/通报.
The whole result is stored in ``bulletin.content``; nothing recomputes an issued bulletin.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import LOCAL_TZ
from dudao_shared.errors import NotFound
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.regions import contains
from dudao_shared.xlsx import Column, Row, Table, write_workbook

from ..audit_trail import record
from ..models import (
    Assignment,
    Bulletin,
    Item,
    ItemDeadline,
    Plan,
    SupervisionNotice,
    Unit,
    effective_deadlines,
)
from ..plans.supervision_rules import RANKED, supervision_rules_of
from ..subscriptions import service as subscriptions

SYSTEM = Principal(sub="system:bulletin", role="system")
COUNTS = ("assignments", *RANKED)
LABELS = {
    "assignments": "任务数",
    "done": "办结",
    "on_time": "按时办结",
    "late": "逾期办结",
    "returned": "退回",
    "overdue": "逾期未完成",
    "open_notices": "未办结督办单",
}


class BulletinNotFound(NotFound):
    code, title = "bulletin_not_found", "通报不存在"


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


async def compute(
    session: AsyncSession, *, plan: Plan, region_code: str, today: dt.date
) -> dict[str, Any]:
    """The bulletin's content for ``plan`` and the units in ``region_code``, as of ``today``."""
    rules = supervision_rules_of(plan.supervision_rules)
    rows = (
        await session.execute(
            select(Assignment, Unit, Item)
            .join(Unit, col(Unit.id) == col(Assignment.unit_id))
            .join(Item, col(Item.id) == col(Assignment.item_id))
            .where(Assignment.plan_id == plan.id)
            .order_by(col(Item.sort_key), col(Assignment.role).desc(), col(Unit.name))
        )
    ).all()
    rows = [r for r in rows if contains(region_code, r[1].region_code)]
    deadlines: dict[uuid.UUID, list[dt.date]] = defaultdict(list)
    for item_id, due in (
        await session.execute(
            select(col(ItemDeadline.item_id), col(ItemDeadline.due_on)).where(
                col(ItemDeadline.item_id).in_({r[2].id for r in rows})
            )
        )
    ).all():
        deadlines[item_id].append(due)
    notices = (
        (
            await session.execute(
                select(SupervisionNotice).where(SupervisionNotice.plan_id == plan.id)
            )
        )
        .scalars()
        .all()
    )
    open_by_assignment = {n.assignment_id: n for n in notices if n.status != "closed"}

    def last_deadline(a: Assignment) -> dt.date | None:
        eff = effective_deadlines(deadlines.get(a.item_id, []), a.due_on)
        return max(eff) if eff else None

    def on_time(a: Assignment) -> bool:
        last, finished = last_deadline(a), a.completed_at or a.reviewed_at
        finished_on = finished.astimezone(LOCAL_TZ).date() if finished else today
        return last is None or finished_on <= last

    # When a task is accepted its co units' parts are done with it, on time as the lead was.
    lead_on_time = {
        a.item_id: on_time(a) for a, _, _ in rows if a.role == "lead" and a.status == "accepted"
    }
    per_unit: dict[uuid.UUID, dict[str, Any]] = {}
    red: list[dict[str, Any]] = []
    for a, unit, item in rows:
        u = per_unit.setdefault(
            unit.id,
            {"unit_id": str(unit.id), "unit_name": unit.name, "region_code": unit.region_code}
            | {k: 0 for k in COUNTS},
        )
        u["assignments"] += 1
        last = last_deadline(a)
        notice = open_by_assignment.get(a.id)
        if notice is not None:
            u["open_notices"] += 1
        status, timely = a.status, on_time(a)
        if a.role == "co" and item.id in lead_on_time and status != "accepted":
            status, timely = "accepted", lead_on_time[item.id]
        if status == "accepted":
            u["done"] += 1
            u["on_time" if timely else "late"] += 1
        elif status == "returned":
            u["returned"] += 1
        if status not in ("completed", "accepted") and last is not None and today > last:
            u["overdue"] += 1
            red.append(
                {
                    "kind": "overdue",
                    "unit_name": unit.name,
                    "task_code": item.code,
                    "task_title": item.title,
                    "role": a.role,
                    "due_on": last.isoformat(),
                    "days_overdue": (today - last).days,
                    "notice": notice.title if notice else None,
                    "listed": bool(notice and notice.listed_at),
                }
            )
    unit_names = {uid: u["unit_name"] for uid, u in per_unit.items()}
    for n in notices:
        if n.listed_at is not None and n.status != "closed" and n.unit_id in per_unit:
            if not any(r["notice"] == n.title for r in red):
                red.append(
                    {
                        "kind": "listed",
                        "unit_name": unit_names[n.unit_id],
                        "task_code": None,
                        "task_title": None,
                        "role": "lead",
                        "due_on": n.response_due_on.isoformat(),
                        "days_overdue": (today - n.response_due_on).days,
                        "notice": n.title,
                        "listed": True,
                    }
                )
    weights = rules.ranking_weights
    for u in per_unit.values():
        raw = sum(weights[k] * u[k] for k in RANKED)
        u["score"] = round(100 * raw / u["assignments"], 2) if u["assignments"] else 0.0
    ranking = sorted(per_unit.values(), key=lambda u: (-u["score"], u["overdue"], u["unit_name"]))
    for rank, u in enumerate(ranking, start=1):
        u["rank"] = rank
    totals = {k: sum(u[k] for u in ranking) for k in COUNTS}
    return {
        "plan": {"id": str(plan.id), "title": plan.title},
        "region_code": region_code,
        "as_of": today.isoformat(),
        "totals": totals,
        "units": ranking,
        "red_list": red,
        "ranking_rule": {
            "description": "得分 = Σ 权重 × 项数 ÷ 任务数 × 100，高者在前；同分时逾期少者在前，再按单位名称",
            "weights": weights,
        },
    }


async def issue(
    session: AsyncSession,
    *,
    principal: Principal,
    plan: Plan,
    region_code: str | None,
    kind: str,
    period: tuple[dt.date, dt.date],
    today: dt.date,
) -> Bulletin:
    region = region_code or plan.region_code
    content = await compute(session, plan=plan, region_code=region, today=today)
    start, end = period
    label = f"{end.year}年{end.month}月" if kind == "scheduled" else f"截至{today:%Y年%m月%d日}"
    row = Bulletin(
        plan_id=plan.id,
        region_code=region,
        kind=kind,
        period_start=start,
        period_end=end,
        title=f"{plan.title[:200]}督办通报（{label}）",
        content=content,
        issued_by=principal.sub[:200],
    )
    session.add(row)
    await session.flush()
    # Portals subscribed to bulletin.issued hear of it in the same transaction (a rolled-back
    # issue sends nothing).
    await subscriptions.bulletin_issued(session, plan, row)
    record(
        session,
        principal=principal,
        entity="bulletin",
        entity_id=row.id,
        action="issue",
        after={
            "title": row.title,
            "kind": kind,
            "region_code": region,
            "totals": content["totals"],
        },
        plan_id=plan.id,
    )
    return row


async def issue_monthly(session: AsyncSession, *, today: dt.date) -> list[Bulletin]:
    """The scheduled bulletins for last month: one per published plan, issued once however
    often (and by however many workers) this runs — the partial unique index decides."""
    period = previous_month(today)
    out = []
    plans = (await session.execute(select(Plan).where(Plan.status == "published"))).scalars().all()
    for plan in plans:
        exists = await session.scalar(
            select(Bulletin.id).where(
                Bulletin.plan_id == plan.id,
                Bulletin.kind == "scheduled",
                Bulletin.region_code == plan.region_code,
                Bulletin.period_start == period[0],
            )
        )
        if exists is not None:
            continue
        try:
            async with session.begin_nested():
                out.append(
                    await issue(
                        session,
                        principal=SYSTEM,
                        plan=plan,
                        region_code=None,
                        kind="scheduled",
                        period=period,
                        today=today,
                    )
                )
        except IntegrityError:
            continue
    return out


ORDERS = {"issued_at": col(Bulletin.issued_at)}


async def list_bulletins(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    plan_id: uuid.UUID | None,
    kind: str | None,
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Bulletin], str | None]:
    stmt = select(Bulletin).where(visible)
    if plan_id:
        stmt = stmt.where(Bulletin.plan_id == plan_id)
    if kind:
        stmt = stmt.where(Bulletin.kind == kind)
    return await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(order, ORDERS, default="-issued_at", id_column=col(Bulletin.id)),
    )


def to_xlsx(bulletin: Bulletin) -> bytes:
    c = bulletin.content
    totals = c["totals"]
    summary = Table(
        sheet="总体情况",
        title=bulletin.title,
        columns=[Column("项目", 24), Column("数量", 12, "center")],
        rows=[
            ("通报范围（区划）", c["region_code"]),
            ("统计截至", c["as_of"]),
            *((LABELS[k], totals[k]) for k in COUNTS),
            ("红榜条目", len(c["red_list"])),
        ],
        landscape=False,
    )
    ranking = Table(
        sheet="单位排名",
        title=f"单位排名（{c['ranking_rule']['description']}）",
        columns=[
            Column("名次", 8, "center"),
            Column("单位", 30),
            *(Column(LABELS[k], 10, "center") for k in COUNTS),
            Column("得分", 10, "center"),
        ],
        rows=[
            Row(
                [u["rank"], u["unit_name"], *(u[k] for k in COUNTS), u["score"]],
                fills={len(COUNTS) + 2: "F8CBAD"} if u["overdue"] else {},
            )
            for u in c["units"]
        ],
    )
    red = Table(
        sheet="红榜",
        title="红榜（逾期未完成及列入约谈 / 通报）",
        columns=[
            Column("单位", 28),
            Column("任务编号", 14),
            Column("任务", 40),
            Column("时限", 12, "center"),
            Column("逾期天数", 10, "center"),
            Column("督办单", 18),
            Column("约谈 / 通报", 12, "center"),
        ],
        rows=[
            (
                r["unit_name"],
                r["task_code"],
                r["task_title"],
                r["due_on"],
                r["days_overdue"],
                r["notice"],
                "是" if r["listed"] else "",
            )
            for r in c["red_list"]
        ],
    )
    return write_workbook([summary, ranking, red])
