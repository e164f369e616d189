"""The public feed: disclosed plans, their structure and progress, with public fields only."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.errors import NotFound
from dudao_shared.pagination import paginate

from ..lights.service import TaskRow, plan_tasks, task_rows
from ..models import ACTIONABLE, Bulletin, Item, Plan, Unit
from ..regions import service as regions
from .schemas import (
    PublicBulletin,
    PublicBulletinDetail,
    PublicBulletinUnit,
    PublicCounts,
    PublicItem,
    PublicPlan,
    PublicPlanDetail,
    PublicRedListEntry,
    PublicRegionProgress,
)


class PublicPlanNotFound(NotFound):
    code, title = "plan_not_found", "规划不存在或未公开"


class PublicBulletinNotFound(NotFound):
    code, title = "bulletin_not_found", "通报不存在或未公开"


def _region_name(code: str) -> str | None:
    region = regions.find(code)
    return region.name if region else None


def to_public(plan: Plan) -> PublicPlan:
    assert plan.disclosed_at is not None
    return PublicPlan(
        id=plan.id,
        title=plan.title,
        doc_number=plan.doc_number,
        issuer=plan.issuer,
        issued_on=plan.issued_on,
        period_start=plan.period_start,
        period_end=plan.period_end,
        level=plan.level,
        region_code=plan.region_code,
        region_name=_region_name(plan.region_code),
        status=plan.status,
        disclosed_at=plan.disclosed_at,
        updated_at=plan.updated_at,
    )


async def load_disclosed(session: AsyncSession, plan_id: uuid.UUID) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None or not plan.disclosed or plan.status == "draft":
        # Unpublished and missing look the same: the feed never confirms a plan exists.
        raise PublicPlanNotFound(f"找不到已公开的规划 {plan_id}")
    return plan


async def list_disclosed(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[PublicPlan], str | None]:
    stmt = select(Plan).where(col(Plan.disclosed), Plan.status != "draft")
    rows, nxt = await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=[col(Plan.created_at).desc(), col(Plan.id).desc()],
    )
    return [to_public(p) for p in rows], nxt


async def _unit_regions(session: AsyncSession, rows: list[TaskRow]) -> dict[uuid.UUID, str]:
    ids = {a.unit_id for r in rows for a in r.assignments}
    if not ids:
        return {}
    found = await session.execute(select(Unit.id, Unit.region_code).where(col(Unit.id).in_(ids)))
    return {uid: code for uid, code in found.all()}


def _lead_regions(row: TaskRow, unit_regions: dict[uuid.UUID, str]) -> list[str]:
    codes = {unit_regions[a.unit_id] for a in row.assignments if a.role == "lead"}
    return sorted(c for c in codes if c)


def _counts(rows: list[TaskRow]) -> PublicCounts:
    return PublicCounts(
        by_status=dict(Counter(r.item.status for r in rows)),
        by_light=dict(Counter(r.state.light for r in rows)),
        total=len(rows),
    )


async def plan_detail(session: AsyncSession, *, plan: Plan, today: dt.date) -> PublicPlanDetail:
    rows = await plan_tasks(session, plan, today)
    unit_regions = await _unit_regions(session, rows)
    per_region: dict[str, list[TaskRow]] = defaultdict(list)
    for row in rows:
        # A task led by units of two regions counts in both; one with no lead unit counts
        # in the plan's own region.
        for code in _lead_regions(row, unit_regions) or [plan.region_code]:
            per_region[code].append(row)
    return PublicPlanDetail(
        **to_public(plan).model_dump(),
        progress=_counts(rows),
        regions=[
            PublicRegionProgress(
                region_code=code, region_name=_region_name(code), **_counts(part).model_dump()
            )
            for code, part in sorted(per_region.items())
        ],
    )


async def plan_items(
    session: AsyncSession, *, plan: Plan, today: dt.date, limit: int, cursor: str | None
) -> tuple[list[PublicItem], str | None]:
    """One page of the plan's structure in document order, tasks with their lights."""
    stmt = select(Item).where(Item.plan_id == plan.id)
    items, nxt = await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=[col(Item.sort_key).asc(), col(Item.id).asc()],
    )
    tasks = [i for i in items if i.kind in ACTIONABLE]
    rows = {r.item.id: r for r in await task_rows(session, tasks, today)}
    unit_regions = await _unit_regions(session, list(rows.values()))
    out = []
    for item in items:
        row = rows.get(item.id)
        out.append(
            PublicItem(
                id=item.id,
                parent_id=item.parent_id,
                kind=item.kind,
                code=item.code,
                title=item.title,
                status=item.status if row else None,
                light=row.state.light if row else None,
                light_reasons=list(row.state.reasons) if row else [],
                due_on=row.state.final_due_on if row else None,
                percent=row.percent if row else None,
                lead_units=row.leads if row else [],
                co_units=row.cos if row else [],
                region_codes=_lead_regions(row, unit_regions) if row else [],
                updated_at=item.updated_at,
            )
        )
    return out, nxt


# --- issued bulletins of disclosed plans -----------------------------------------------------


def to_public_bulletin(b: Bulletin) -> PublicBulletin:
    return PublicBulletin(
        id=b.id,
        plan_id=b.plan_id,
        title=b.title,
        kind=b.kind,
        region_code=b.region_code,
        region_name=_region_name(b.region_code),
        period_start=b.period_start,
        period_end=b.period_end,
        issued_at=b.issued_at,
        totals={k: int(v) for k, v in (b.content.get("totals") or {}).items()},
    )


def bulletin_detail(b: Bulletin) -> PublicBulletinDetail:
    """The bulletin as issued (its stored figures), without who issued it: ranking and red list
    name units, which a 通报 is for, and nothing else."""
    c = b.content
    units = [
        PublicBulletinUnit(
            unit_name=u["unit_name"],
            region_code=u["region_code"],
            rank=u["rank"],
            score=u["score"],
            counts={k: int(u[k]) for k in (c.get("totals") or {}) if k in u},
        )
        for u in c.get("units", [])
    ]
    red = [
        PublicRedListEntry(
            kind=r["kind"],
            unit_name=r["unit_name"],
            task_code=r.get("task_code"),
            task_title=r.get("task_title"),
            role=r["role"],
            due_on=dt.date.fromisoformat(r["due_on"]) if r.get("due_on") else None,
            days_overdue=r["days_overdue"],
            notice=r.get("notice"),
            listed=bool(r.get("listed")),
        )
        for r in c.get("red_list", [])
    ]
    return PublicBulletinDetail(
        **to_public_bulletin(b).model_dump(),
        as_of=dt.date.fromisoformat(c["as_of"]),
        units=units,
        red_list=red,
        ranking_rule=str((c.get("ranking_rule") or {}).get("description", "")),
    )


async def list_bulletins(
    session: AsyncSession, *, plan: Plan, limit: int, cursor: str | None
) -> tuple[list[PublicBulletin], str | None]:
    rows, nxt = await paginate(
        session,
        select(Bulletin).where(Bulletin.plan_id == plan.id),
        limit=limit,
        cursor=cursor,
        order_by=[col(Bulletin.issued_at).desc(), col(Bulletin.id).desc()],
    )
    return [to_public_bulletin(b) for b in rows], nxt


async def load_bulletin(session: AsyncSession, plan: Plan, bulletin_id: uuid.UUID) -> Bulletin:
    row = await session.get(Bulletin, bulletin_id)
    if row is None or row.plan_id != plan.id:
        raise PublicBulletinNotFound(f"找不到已公开规划的通报 {bulletin_id}")
    return row
