"""Evaluations: gather a snapshot of one plan (or every plan of a region) at a date, rank its
units and regions by the evaluation's scoring rule, compare it with the previous issued
evaluation, fill the narrative from its template; issue it, after which nothing changes.

Tasks and units come from this service's tables; indicators from the indicator service's
scorecard, roll-up by region and series, read over HTTP with the caller's token."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import LOCAL_TZ, utcnow
from dudao_shared.decimals import printed
from dudao_shared.errors import Conflict, NotFound
from dudao_shared.http import ServiceClient, UpstreamProblem
from dudao_shared.pagination import paginate
from dudao_shared.versioning import flush_versioned, require_version

from ..models import ACTIONABLE, Assignment, Evaluation, Item, Plan, Unit
from ..regions import service as regions
from .schemas import (
    INDICATOR_STATUSES,
    KIND_ZH,
    NATURE_ORDER,
    OUTCOMES,
    Comparison,
    Counts,
    EvaluationCreate,
    EvaluationData,
    EvaluationUpdate,
    IndicatorRow,
    NatureCounts,
    PlanRef,
    RegionRow,
    ScoringRule,
    SectionRow,
    Trajectory,
    UnitRow,
    jsonable,
)

DONE = ("completed", "accepted")
# The trajectories drawn: the first indicators (约束性 first) that have values.
TRAJECTORY_LIMIT = 6
TEMPLATES = Path(__file__).with_name("templates")
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class EvaluationNotFound(NotFound):
    code, title = "evaluation_not_found", "评估不存在"


class EvaluationIssued(Conflict):
    code, title = "evaluation_issued", "评估已签发，不能再修改"


class NothingToEvaluate(NotFound):
    code, title = "nothing_to_evaluate", "该区划没有可评估的规划"


def outcome(status: str, due_on: dt.date | None, done_on: dt.date | None, as_of: dt.date) -> str:
    """How a task (or a unit's part in it) stands on ``as_of``, one of ``OUTCOMES``: done by
    then (on time, or after its deadline), else returned, past its deadline, not started, or
    under way. Work finished after ``as_of`` counts as not finished yet."""
    if status in DONE and done_on is not None and done_on <= as_of:
        return "on_time" if due_on is None or done_on <= due_on else "late"
    if status == "returned":
        return "returned"
    if due_on is not None and due_on < as_of:
        return "overdue"
    if status == "not_started":
        return "not_started"
    return "in_progress"


def _local_date(ts: dt.datetime | None) -> dt.date | None:
    return None if ts is None else ts.astimezone(LOCAL_TZ).date()


def _add(counts: Counts, key: str) -> None:
    counts.total += 1
    setattr(counts, key, getattr(counts, key) + 1)


def _rank(rows: Sequence[Any]) -> None:
    """Dense ranking by score, highest first; rows without a score are not ranked."""
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: -r.score)
    rank, last = 0, None
    for n, r in enumerate(scored, start=1):
        if r.score != last:
            rank, last = n, r.score
        r.rank = rank


async def _plans(session: AsyncSession, ev: Evaluation) -> list[Plan]:
    if ev.plan_id is not None:
        plan = await session.get(Plan, ev.plan_id)
        return [plan] if plan is not None else []
    return list(
        (
            await session.scalars(
                select(Plan)
                .where(Plan.region_code == ev.region_code)
                .order_by(col(Plan.created_at), col(Plan.id))
            )
        ).all()
    )


async def task_part(
    session: AsyncSession, plan_ids: Sequence[uuid.UUID], as_of: dt.date, rule: ScoringRule
) -> tuple[Counts, list[SectionRow], list[UnitRow]]:
    """Tasks by outcome: in all, per top-level section, and per unit (each unit's part in each
    task it leads or supports), with the units scored and ranked by ``rule``."""
    i = Item.__table__  # type: ignore[attr-defined]
    a = Assignment.__table__  # type: ignore[attr-defined]
    u = Unit.__table__  # type: ignore[attr-defined]
    done_at = (
        sa.select(sa.func.max(a.c.completed_at))
        .where(a.c.item_id == i.c.id, a.c.status.in_(DONE))
        .scalar_subquery()
    )
    tasks = (
        await session.execute(
            sa.select(i.c.id, i.c.plan_id, i.c.sort_key, i.c.status, i.c.due_on, done_at)
            .where(i.c.plan_id.in_(plan_ids), i.c.kind.in_(ACTIONABLE))
            .order_by(i.c.plan_id, i.c.sort_key)
        )
    ).all()
    roots = {
        (r.plan_id, r.sort_key): r
        for r in (
            await session.execute(
                sa.select(i.c.plan_id, i.c.sort_key, i.c.code, i.c.title, i.c.label).where(
                    i.c.plan_id.in_(plan_ids), i.c.parent_id.is_(None)
                )
            )
        ).all()
    }
    total = Counts()
    sections: dict[tuple[Any, str], SectionRow] = {}
    due: dict[Any, dt.date | None] = {}
    for t in tasks:
        due[t.id] = t.due_on
        key = outcome(t.status, t.due_on, _local_date(t[5]), as_of)
        _add(total, key)
        root_key = t.sort_key.split(".")[0]
        root = roots.get((t.plan_id, root_key))
        if root is None or root.sort_key == t.sort_key:
            # A task at the top of its plan stands in a section of its own.
            code, title = "", "（未分章节）"
        else:
            code, title = root.code, root.title
        sec = sections.get((t.plan_id, root_key if code else ""))
        if sec is None:
            sec = sections[(t.plan_id, root_key if code else "")] = SectionRow(
                plan_id=str(t.plan_id), code=code, title=title
            )
        _add(sec, key)
    units: dict[Any, UnitRow] = {}
    points: dict[Any, list[tuple[float, float]]] = defaultdict(list)
    for r in (
        await session.execute(
            sa.select(a.c.unit_id, u.c.name, a.c.item_id, a.c.role, a.c.status, a.c.completed_at)
            .join(u, u.c.id == a.c.unit_id)
            .where(a.c.plan_id.in_(plan_ids), a.c.item_id.in_(list(due)))
        )
    ).all():
        row = units.get(r.unit_id)
        if row is None:
            row = units[r.unit_id] = UnitRow(unit_id=str(r.unit_id), name=r.name)
        key = outcome(r.status, due.get(r.item_id), _local_date(r.completed_at), as_of)
        _add(row, key)
        lead = r.role == "lead"
        row.lead += lead
        weight = rule.lead_weight if lead else rule.co_weight
        points[r.unit_id].append((rule.task_points[key], weight))
    for unit_id, row in units.items():
        weights = sum(w for _, w in points[unit_id])
        if weights:
            row.score = round(sum(p * w for p, w in points[unit_id]) / weights, 2)
    unit_rows = sorted(units.values(), key=lambda r: (-(r.score or -1), r.name))
    _rank(unit_rows)
    return total, list(sections.values()), unit_rows


async def _get(client: ServiceClient, path: str, **params: Any) -> Any | None:
    """A read of the indicator service; None when it has nothing for the plan (404)."""
    try:
        return await client.get_json(path, params=params or None)
    except UpstreamProblem as exc:
        if exc.status == 404:
            return None
        raise


def _text(v: Any) -> str | None:
    return None if v is None else printed(Decimal(str(v)))


async def indicator_part(
    client: ServiceClient | None, plans: Sequence[Plan], rule: ScoringRule
) -> tuple[list[IndicatorRow], list[NatureCounts], list[RegionRow], list[Trajectory]]:
    """Indicators by nature (约束性 first) and status with their reasons; regions ranked by the
    mean points of their assessed indicators; trajectories of the first few indicators."""
    if client is None:
        return [], [], [], []
    # One read at a time: a region-wide evaluation over dozens of plans would otherwise open
    # two requests per plan at once against the indicator service, each holding one of its
    # database connections, and a concurrent burst on one connection (as when the service's
    # sessions share a transaction) fails mid-flight and leaves the session needing rollback.
    cards = [await _get(client, f"/api/v1/scorecards/{quote(str(p.id))}") for p in plans]
    rollups = [
        await _get(client, f"/api/v1/rollups/plans/{quote(str(p.id))}", by="region") for p in plans
    ]
    rows: list[IndicatorRow] = []
    for plan, card in zip(plans, cards, strict=True):
        for r in (card or {}).get("rows", []):
            rows.append(
                IndicatorRow(
                    indicator_id=r["indicator_id"],
                    plan_id=str(plan.id),
                    seq=r["seq"],
                    name=r["name"],
                    domain=r["domain"],
                    measure_unit=r["measure_unit"],
                    nature=r["nature"],
                    baseline=_text(r["baseline_value"]),
                    target=r["target_text"] or _text(r["target_value"]),
                    latest_value=_text(r["latest_value"]),
                    latest_period=r["latest_period"],
                    status=r["status"],
                    reasons=list(r["reasons"]),
                )
            )
    order = {n: k for k, n in enumerate(NATURE_ORDER)}
    rows.sort(key=lambda r: order.get(r.nature, len(order)))  # stable: plan order within
    natures: dict[str, Counter[str]] = {}
    for r in rows:
        natures.setdefault(r.nature, Counter())[r.status] += 1
    nature_counts = [
        NatureCounts(nature=n, counts={s: c[s] for s in INDICATOR_STATUSES}, total=sum(c.values()))
        for n, c in natures.items()
    ]
    by_region: dict[str, Counter[str]] = defaultdict(Counter)
    for roll in rollups:
        for g in (roll or {}).get("groups", []):
            if g["key"]:
                by_region[g["key"]].update(g["counts"])
    region_rows = []
    for code, counts in by_region.items():
        assessed = {s: n for s, n in counts.items() if s in rule.indicator_points and n}
        n = sum(assessed.values())
        score = (
            round(sum(rule.indicator_points[s] * k for s, k in assessed.items()) / n, 2)
            if n
            else None
        )
        found = regions.find(code)
        region_rows.append(
            RegionRow(
                region_code=code,
                name=found.name if found else code,
                counts={s: counts.get(s, 0) for s in INDICATOR_STATUSES},
                assessed=n,
                score=score,
                rank=None,
            )
        )
    region_rows.sort(key=lambda r: (-(r.score if r.score is not None else -1), r.region_code))
    _rank(region_rows)
    trajectories = []
    for r in [r for r in rows if r.latest_value is not None][:TRAJECTORY_LIMIT]:
        plan_region = next(p.region_code for p in plans if str(p.id) == r.plan_id)
        s = await _get(
            client, "/api/v1/series", indicator_id=r.indicator_id, region_code=plan_region
        )
        if s is None:
            continue
        target = s.get("target") or {}
        tv = target.get("resolved_value") or target.get("value")
        trajectories.append(
            Trajectory(
                indicator_id=r.indicator_id,
                name=r.name,
                measure_unit=r.measure_unit,
                points=[(p["time"], float(p["value"]), p["period"]) for p in s["points"]],
                trajectory=[(y["year"], float(y["value"])) for y in s["trajectory"]],
                target_year=target.get("target_year"),
                target_value=float(tv) if tv is not None else None,
            )
        )
    return rows, nature_counts, region_rows, trajectories


async def previous(session: AsyncSession, ev: Evaluation) -> Evaluation | None:
    """The last issued evaluation of the same plan (or region) before this one's date."""
    q = select(Evaluation).where(
        Evaluation.status == "issued",
        Evaluation.id != ev.id,
        col(Evaluation.as_of) <= ev.as_of,
    )
    q = (
        q.where(Evaluation.plan_id == ev.plan_id)
        if ev.plan_id is not None
        else q.where(col(Evaluation.plan_id).is_(None), Evaluation.region_code == ev.region_code)
    )
    q = q.order_by(col(Evaluation.as_of).desc(), col(Evaluation.issued_at).desc()).limit(1)
    return (await session.scalars(q)).first()


def _status_totals(rows: Iterable[IndicatorRow]) -> Counter[str]:
    return Counter(r.status for r in rows)


def compare(data: EvaluationData, prev: Evaluation) -> Comparison:
    before = EvaluationData.model_validate(prev.data)
    now_s, then_s = _status_totals(data.indicators), _status_totals(before.indicators)
    return Comparison(
        previous_id=str(prev.id),
        previous_title=prev.title,
        previous_as_of=prev.as_of,
        tasks={k: getattr(data.tasks, k) - getattr(before.tasks, k) for k in ("total", *OUTCOMES)},
        indicators={s: now_s[s] - then_s[s] for s in INDICATOR_STATUSES},
    )


def narrative(ev: Evaluation, data: EvaluationData) -> str:
    return _env.get_template("narrative.md.j2").render(ev=ev, d=data, zh=KIND_ZH).strip()


async def compute(session: AsyncSession, ev: Evaluation, client: ServiceClient | None) -> None:
    """Fill ``ev.data`` (and, unless a person edited it, the narrative) from today's records."""
    rule = ScoringRule.model_validate(ev.scoring)
    plans = await _plans(session, ev)
    if not plans:
        raise NothingToEvaluate(f"区划 {ev.region_code} 没有规划")
    tasks, sections, units = await task_part(session, [p.id for p in plans], ev.as_of, rule)
    indicators, nature_counts, region_rows, trajectories = await indicator_part(client, plans, rule)
    region = regions.find(ev.region_code)
    data = EvaluationData(
        plans=[
            PlanRef(
                id=str(p.id),
                title=p.title,
                doc_number=p.doc_number,
                period_start=p.period_start,
                period_end=p.period_end,
            )
            for p in plans
        ],
        region_name=region.name if region else ev.region_code,
        tasks=tasks,
        sections=sections,
        units=units,
        indicators=indicators,
        indicator_counts=nature_counts,
        regions=region_rows,
        trajectories=trajectories,
        comparison=None,
    )
    prev = await previous(session, ev)
    if prev is not None:
        data.comparison = compare(data, prev)
    ev.data = jsonable(data)
    ev.computed_at = utcnow()
    if not ev.narrative_edited:
        ev.narrative = narrative(ev, data)


async def create(
    session: AsyncSession,
    *,
    principal: Principal,
    body: EvaluationCreate,
    region_code: str,
    plan: Plan | None,
    today: dt.date,
    client: ServiceClient | None,
) -> Evaluation:
    kind_label = body.kind_label or KIND_ZH[body.kind]
    as_of = body.as_of or today
    scope = plan.title if plan is not None else f"{regions.get(region_code).name}全部规划"
    ev = Evaluation(
        plan_id=plan.id if plan is not None else None,
        region_code=region_code,
        kind=body.kind,
        kind_label=kind_label,
        title=body.title or f"{scope}{as_of.year}年{kind_label}",
        as_of=as_of,
        scoring=(body.scoring or ScoringRule()).model_dump(mode="json"),
        created_by=principal.sub,
    )
    await compute(session, ev, client)
    session.add(ev)
    await session.flush()
    return ev


def _require_draft(ev: Evaluation) -> None:
    if ev.status != "draft":
        raise EvaluationIssued(f"评估已于 {ev.issued_at} 签发，内容不再改变")


async def update(
    session: AsyncSession, ev: Evaluation, body: EvaluationUpdate, *, expected: int
) -> Evaluation:
    require_version(ev.version, expected)
    _require_draft(ev)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("title"):
        ev.title = changes["title"]
    if "narrative" in changes and changes["narrative"] is not None:
        ev.narrative = changes["narrative"]
        ev.narrative_edited = True
    await flush_versioned(session)
    return ev


async def recompute(
    session: AsyncSession, ev: Evaluation, client: ServiceClient | None, *, expected: int
) -> Evaluation:
    require_version(ev.version, expected)
    _require_draft(ev)
    await compute(session, ev, client)
    await flush_versioned(session)
    return ev


async def issue(
    session: AsyncSession, ev: Evaluation, principal: Principal, *, expected: int
) -> Evaluation:
    require_version(ev.version, expected)
    _require_draft(ev)
    ev.status = "issued"
    ev.issued_at = utcnow()
    ev.issued_by = principal.sub
    await flush_versioned(session)
    return ev


async def list_(
    session: AsyncSession,
    *,
    visible: sa.ColumnElement[bool],
    plan_id: uuid.UUID | None,
    region_code: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Evaluation], str | None]:
    """Newest evaluation date first."""
    q = select(Evaluation).where(visible)
    if plan_id is not None:
        q = q.where(Evaluation.plan_id == plan_id)
    if region_code is not None:
        q = q.where(Evaluation.region_code == region_code)
    order_by: list[sa.ColumnElement[Any]] = [
        col(Evaluation.as_of).desc(),
        col(Evaluation.id).desc(),
    ]
    return await paginate(session, q, limit=limit, cursor=cursor, order_by=order_by)


def for_unit(data: dict[str, Any], unit_id: uuid.UUID | None) -> dict[str, Any]:
    """What a unit may see of an evaluation: its own row of the unit table, nobody else's."""
    if unit_id is None:
        return data
    return {**data, "units": [u for u in data.get("units", []) if u["unit_id"] == str(unit_id)]}
