"""Reminders: the sweep that finds what is due under each plan's rules, and 催办 by staff.

The sweep is one statement: it selects the due (assignment, rule, period) triples of every open
assignment of every published plan, writes an inbox notice and a reminder for each new one
(``ON CONFLICT DO NOTHING`` on their keys, so what was sent before is skipped; no join back to
the selection, so the cost stays that of the selection plus the rows written), and hands the
notices to ``notifications.fan_out`` for the outbound channels. Workers may run it at the same
time and as often as they like: the unique keys, not timing, make each reminder once.

Periods (what makes a reminder "the same one"):
- due_soon: the deadline it is about (one reminder per deadline);
- overdue: the last deadline and the repeat window (every ``overdue_every_days`` after it);
- no_report: the day the silence began and its window of ``no_report_days``;
- not_acknowledged: the day of 交办 (once), when assignments carry ``acknowledged_at``.
An approved extension (``assignment.due_on``, where it exists) replaces the last deadline.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import LOCAL_TZ, utcnow
from dudao_shared.jobs import defer_in
from dudao_shared.pagination import paginate
from dudao_shared.versioning import flush_versioned, require_version

from ..audit_trail import record
from ..models import Assignment, Item, Plan, Reminder, ReminderRuleSet, Unit
from ..notifications.service import Recipient, fan_out, notify
from .schemas import (
    DEFAULT_DUE_SOON_DAYS,
    DEFAULT_NO_REPORT_DAYS,
    DEFAULT_NOT_ACKNOWLEDGED_DAYS,
    DEFAULT_OVERDUE_EVERY_DAYS,
    ReminderRules,
)

SWEEP_TASK = "sweep_reminders"

RULE_TITLES = {
    "due_soon": "临期提醒",
    "overdue": "逾期提醒",
    "no_report": "未填报提醒",
    "not_acknowledged": "未签收提醒",
    "urge": "催办",
}


def _has(column: str) -> bool:
    return column in Assignment.__table__.columns  # type: ignore[attr-defined]


def _due_sql() -> str:
    """The due (assignment, rule, period) triples for ``:today``: the raw selection, also
    what the benchmark measures the sweep against."""
    extension = "a.due_on" if _has("due_on") else "NULL::date"
    # 交办 day: when the unit was given the task (its creation, where no separate time is kept).
    assigned = "a.assigned_at" if _has("assigned_at") else "a.created_at"
    since = f"({assigned} AT TIME ZONE :tz)::date"
    not_ack = (
        """
        UNION ALL
        SELECT id, unit_id, plan_id, task_title, plan_title, 'not_acknowledged', since::text,
               since, not_ack_days
        FROM open
        WHERE not_ack_days IS NOT NULL AND acknowledged_at IS NULL
          AND :today - since > not_ack_days"""
        if _has("acknowledged_at")
        else ""
    )
    ack = "a.acknowledged_at" if _has("acknowledged_at") else "NULL::timestamptz"
    return f"""
    WITH rules AS (
        SELECT p.id AS plan_id, p.title AS plan_title,
               CASE WHEN r.plan_id IS NULL THEN {DEFAULT_DUE_SOON_DAYS}
                    ELSE r.due_soon_days END AS due_soon_days,
               COALESCE(r.overdue_enabled, true) AS overdue_enabled,
               CASE WHEN r.plan_id IS NULL THEN {DEFAULT_OVERDUE_EVERY_DAYS}
                    ELSE r.overdue_every_days END AS overdue_every_days,
               CASE WHEN r.plan_id IS NULL THEN {DEFAULT_NO_REPORT_DAYS}
                    ELSE r.no_report_days END AS no_report_days,
               CASE WHEN r.plan_id IS NULL THEN {DEFAULT_NOT_ACKNOWLEDGED_DAYS}
                    ELSE r.not_acknowledged_days END AS not_ack_days
        FROM plan p
        LEFT JOIN reminder_rule_set r ON r.plan_id = p.id
        WHERE p.status = 'published'
    ),
    open AS (
        SELECT a.id, a.unit_id, a.plan_id, a.item_id, {ack} AS acknowledged_at,
               i.title AS task_title, rules.plan_title,
               {since} AS since,
               COALESCE(a.last_report_on, {since}) AS quiet_since,
               f.final_due,
               LEAST(s.stage_next,
                     CASE WHEN f.final_due >= :today THEN f.final_due END) AS next_due,
               rules.due_soon_days, rules.overdue_enabled, rules.overdue_every_days,
               rules.no_report_days, rules.not_ack_days
        FROM assignment a
        JOIN rules ON rules.plan_id = a.plan_id
        JOIN item i ON i.id = a.item_id
        LEFT JOIN LATERAL (
            SELECT COALESCE({extension}, max(d.due_on)) AS final_due
            FROM item_deadline d WHERE d.item_id = a.item_id
        ) f ON true
        LEFT JOIN LATERAL (
            SELECT min(d.due_on) AS stage_next
            FROM item_deadline d
            WHERE d.item_id = a.item_id AND d.due_on >= :today AND d.due_on < f.final_due
        ) s ON true
        WHERE a.status NOT IN ('completed', 'accepted')
    ),
    due AS (
        SELECT id, unit_id, plan_id, task_title, plan_title, 'due_soon' AS rule,
               next_due::text AS period, next_due AS on_date, due_soon_days AS days
        FROM open
        WHERE due_soon_days IS NOT NULL AND next_due IS NOT NULL
          AND next_due - :today <= due_soon_days
        UNION ALL
        SELECT id, unit_id, plan_id, task_title, plan_title, 'overdue',
               final_due::text || CASE WHEN overdue_every_days IS NULL THEN ''
                   ELSE '#' || ((:today - final_due - 1) / overdue_every_days)::text END,
               final_due, :today - final_due
        FROM open
        WHERE overdue_enabled AND final_due < :today
        UNION ALL
        SELECT id, unit_id, plan_id, task_title, plan_title, 'no_report',
               quiet_since::text || '#' || ((:today - quiet_since) / no_report_days)::text,
               quiet_since, no_report_days
        FROM open
        WHERE no_report_days IS NOT NULL AND :today - quiet_since > no_report_days{not_ack}
    )
    """


def due_select() -> sa.TextClause:
    """Only the selection (for the benchmark's baseline and for previews)."""
    return sa.text(_due_sql() + "SELECT id, rule, period FROM due")


def _sweep_statement() -> sa.TextClause:
    return sa.text(
        _due_sql()
        + """,
    note AS (
        INSERT INTO notice (id, recipient_unit_id, recipient_user, kind, title, body, plan_id,
                            assignment_id, dedupe_key, created_by, created_at)
        SELECT gen_random_uuid(), unit_id, NULL, rule,
               CASE rule WHEN 'due_soon' THEN '临期提醒：' WHEN 'overdue' THEN '逾期提醒：'
                         WHEN 'no_report' THEN '未填报提醒：' ELSE '未签收提醒：' END
                   || left(task_title, 280),
               '《' || plan_title || '》任务“' || task_title || '”' ||
               CASE rule
                   WHEN 'due_soon' THEN '将于 ' || on_date::text
                       || ' 到期，请按时完成并报送进度。'
                   WHEN 'overdue' THEN '已于 ' || on_date::text || ' 到期（逾期 '
                       || days::text || ' 天），至今未完成，请尽快办理并报送进度。'
                   WHEN 'no_report' THEN '自 ' || on_date::text || ' 起已超过 '
                       || days::text || ' 天未报送进度，请及时填报。'
                   ELSE '交办已超过 ' || days::text || ' 天仍未签收，请及时签收。'
               END,
               plan_id, id,
               'reminder:' || rule || ':' || id::text || ':' || period, 'system', :now
        FROM due
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id, recipient_unit_id, plan_id, assignment_id, kind, dedupe_key
    ),
    rem AS (
        INSERT INTO reminder (id, assignment_id, unit_id, plan_id, rule, period, dedupe_key,
                              notice_id, created_by, created_at)
        SELECT gen_random_uuid(), assignment_id, recipient_unit_id, plan_id, kind,
               split_part(dedupe_key, ':', 4), substr(dedupe_key, 10), id, 'system', :now
        FROM note
        ON CONFLICT (dedupe_key) DO NOTHING
    )
    SELECT id FROM note
    """
    )


async def sweep(session: AsyncSession, *, today: dt.date) -> int:
    """One pass over every open assignment: write the reminders that are due and not sent
    yet, with their notices and deliveries. Returns how many reminders were written."""
    params: dict[str, Any] = {"today": today, "now": utcnow(), "tz": str(LOCAL_TZ)}
    notice_ids = list((await session.scalars(_sweep_statement(), params)).all())
    await fan_out(session, notice_ids)
    return len(notice_ids)


async def count_due(session: AsyncSession, *, today: dt.date) -> int:
    rows = await session.execute(
        due_select(), {"today": today, "now": utcnow(), "tz": str(LOCAL_TZ)}
    )
    return len(rows.all())


# Rules


async def rules_of(session: AsyncSession, plan_id: uuid.UUID) -> ReminderRuleSet | None:
    return await session.get(ReminderRuleSet, plan_id)


async def set_rules(
    session: AsyncSession,
    *,
    plan: Plan,
    body: ReminderRules,
    expected: int,
    principal: Principal,
) -> ReminderRuleSet:
    row = await session.get(ReminderRuleSet, plan.id, with_for_update=True)
    require_version(row.version if row is not None else 0, expected)
    before = ReminderRules.model_validate(row).model_dump() if row is not None else None
    if row is None:
        row = ReminderRuleSet(plan_id=plan.id, updated_by=principal.sub, **body.model_dump())
        session.add(row)
        await session.flush()
    else:
        for key, value in body.model_dump().items():
            setattr(row, key, value)
        row.updated_by = principal.sub
        await flush_versioned(session)
    record(
        session,
        principal=principal,
        entity="reminder_rules",
        entity_id=plan.id,
        action="update" if before else "create",
        before=before,
        after=body.model_dump(),
        plan_id=plan.id,
    )
    return row


# 催办


async def urge_assignment(
    session: AsyncSession,
    *,
    assignment: Assignment,
    message: str,
    principal: Principal,
) -> Reminder:
    """Staff press a unit on one assignment; the unit's inbox and channels get the message."""
    item = await session.get(Item, assignment.item_id)
    plan = await session.get(Plan, assignment.plan_id)
    title = f"催办：{(item.title if item else '')[:280]}"
    body = f"《{plan.title if plan else ''}》任务“{item.title if item else ''}”：{message}"
    return await _urge(
        session,
        unit_id=assignment.unit_id,
        plan_id=assignment.plan_id,
        assignment_id=assignment.id,
        title=title,
        body=body,
        message=message,
        principal=principal,
    )


async def urge_unit(
    session: AsyncSession, *, unit: Unit, message: str, principal: Principal
) -> Reminder:
    """Staff press a unit on its work as a whole."""
    return await _urge(
        session,
        unit_id=unit.id,
        plan_id=None,
        assignment_id=None,
        title="催办",
        body=message,
        message=message,
        principal=principal,
    )


async def _urge(
    session: AsyncSession,
    *,
    unit_id: uuid.UUID,
    plan_id: uuid.UUID | None,
    assignment_id: uuid.UUID | None,
    title: str,
    body: str,
    message: str,
    principal: Principal,
) -> Reminder:
    # Each 催办 is its own reminder (a retried request is answered by its Idempotency-Key).
    dedupe = f"urge:{uuid.uuid4()}"
    notice_id = await notify(
        session,
        recipient=Recipient(unit_id=unit_id),
        kind="urge",
        title=title,
        body=body,
        dedupe_key=f"reminder:{dedupe}",
        plan_id=plan_id,
        assignment_id=assignment_id,
        created_by=principal.sub,
    )
    row = Reminder(
        assignment_id=assignment_id,
        unit_id=unit_id,
        plan_id=plan_id,
        rule="urge",
        period=today_local().isoformat(),
        dedupe_key=dedupe,
        message=message,
        notice_id=notice_id,
        created_by=principal.sub,
    )
    session.add(row)
    await session.flush()
    record(
        session,
        principal=principal,
        entity="reminder",
        entity_id=row.id,
        action="urge",
        after={"message": message},
        plan_id=plan_id,
        unit_id=unit_id,
    )
    return row


async def list_reminders(
    session: AsyncSession,
    *,
    scope: sa.ColumnElement[bool],
    assignment_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
    rule: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Reminder], str | None]:
    stmt = select(Reminder).where(scope)
    if assignment_id is not None:
        stmt = stmt.where(Reminder.assignment_id == assignment_id)
    if unit_id is not None:
        stmt = stmt.where(Reminder.unit_id == unit_id)
    if plan_id is not None:
        stmt = stmt.where(Reminder.plan_id == plan_id)
    if rule is not None:
        stmt = stmt.where(Reminder.rule == rule)
    order: list[sa.ColumnElement[Any]] = [
        col(Reminder.created_at).desc(),
        col(Reminder.id).desc(),
    ]
    return await paginate(session, stmt, limit=limit, cursor=cursor, order_by=order)


async def defer_sweep(session: AsyncSession) -> tuple[int, dt.date]:
    """Queue a sweep for today now (besides the periodic one); runs after the caller commits."""
    on = today_local()
    job_id = await defer_in(session, SWEEP_TASK, args={"on": on.isoformat()}, lock=SWEEP_TASK)
    return job_id, on


def today_local() -> dt.date:
    return utcnow().astimezone(LOCAL_TZ).date()
