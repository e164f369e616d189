"""Supervision notices (督办单) and the escalation ladder 提醒 → 催办 → 督办 → 约谈/通报.

A notice goes to a task's lead unit with a response deadline; the unit answers (反馈) with
text and evidence; staff close it (办结销号) or send it back (退回重办). Numbers run per issuing
region and year (``督办〔2026〕12号``) from one counter row taken under its row lock, so
concurrent issuers never share a number. The escalation sweep raises notices by the plan's
rules and lists notices left unanswered past their deadline for 约谈/通报.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import utcnow
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.versioning import flush_versioned

from ..audit_trail import record, snapshot
from ..models import (
    Assignment,
    Item,
    ItemDeadline,
    NoticeCounter,
    NoticeFile,
    NoticeResponse,
    Plan,
    Reminder,
    SupervisionNotice,
    Unit,
)
from ..notifications.service import Recipient, notify
from ..plans.supervision_rules import supervision_rules_of
from ..reports.service import store_evidence
from ..reports.storage import Storage
from .schemas import (
    NoticeFileRead,
    NoticeResponseCreate,
    NoticeResponseRead,
    SupervisionDecision,
    SupervisionNoticeCreate,
    SupervisionNoticeRead,
)

# The escalation sweep acts as the platform itself, recorded as such in the audit trail.
SYSTEM = Principal(sub="system:escalation", role="system")
OPEN = ("open", "answered", "returned")
DONE = ("completed", "accepted")


class NoticeNotFound(NotFound):
    code, title = "supervision_notice_not_found", "督办单不存在"


class NoticeFileNotFound(NotFound):
    code, title = "file_not_found", "文件不存在"


class NoticeOpen(Conflict):
    code, title = "supervision_notice_open", "该任务分工已有未办结的督办单"


class NotLeadAssignment(Conflict):
    code, title = "not_lead_assignment", "督办单只发给牵头单位"


class NoticeStateConflict(Conflict):
    code, title = "supervision_notice_state", "督办单当前状态不允许此操作"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


async def next_number(session: AsyncSession, region_code: str, year: int) -> int:
    """The next notice number of a region and year; the upsert's row lock serialises issuers,
    and a rolled-back issue gives its number back."""
    stmt = (
        insert(NoticeCounter)
        .values(region_code=region_code, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["region_code", "year"],
            set_={"last_number": NoticeCounter.__table__.c.last_number + 1},  # type: ignore[attr-defined]
        )
        .returning(NoticeCounter.__table__.c.last_number)  # type: ignore[attr-defined]
    )
    return int((await session.execute(stmt)).scalar_one())


async def _issue(
    session: AsyncSession,
    *,
    principal: Principal,
    assignment: Assignment,
    region_code: str,
    source: str,
    reason: str,
    response_due_on: dt.date,
    today: dt.date,
    missed_due_on: dt.date | None = None,
) -> SupervisionNotice:
    number = await next_number(session, region_code, today.year)
    notice = SupervisionNotice(
        region_code=region_code,
        year=today.year,
        number=number,
        plan_id=assignment.plan_id,
        item_id=assignment.item_id,
        assignment_id=assignment.id,
        unit_id=assignment.unit_id,
        source=source,
        reason=reason,
        missed_due_on=missed_due_on,
        response_due_on=response_due_on,
        created_by=principal.sub[:200],
    )
    session.add(notice)
    await session.flush()
    record(
        session,
        principal=principal,
        entity="supervision_notice",
        entity_id=notice.id,
        action="create",
        after={
            "title": notice.title,
            **snapshot(notice, ("source", "reason", "response_due_on", "status")),
        },
        plan_id=notice.plan_id,
        task_id=notice.item_id,
        unit_id=notice.unit_id,
    )
    item = await session.get(Item, notice.item_id)
    await notify(
        session,
        recipient=Recipient(unit_id=notice.unit_id),
        kind="supervision_notice",
        title=f"{notice.title}：{item.title if item else ''}"[:300],
        body=f"{reason}\n请于 {response_due_on.isoformat()} 前反馈。",
        dedupe_key=f"supervision_notice:{notice.id}",
        plan_id=notice.plan_id,
        assignment_id=notice.assignment_id,
        created_by=principal.sub[:200],
    )
    return notice


async def raise_notice(
    session: AsyncSession,
    *,
    principal: Principal,
    assignment: Assignment,
    data: SupervisionNoticeCreate,
    today: dt.date,
) -> SupervisionNotice:
    """A notice raised by hand (督办) on a lead assignment."""
    if data.response_due_on is not None and data.response_due_on < today:
        raise _invalid("response_due_on", "反馈时限不能早于今天")
    if assignment.role != "lead":
        raise NotLeadAssignment()
    plan = await session.get(Plan, assignment.plan_id)
    assert plan is not None  # the assignment's foreign key
    rules = supervision_rules_of(plan.supervision_rules)
    due = data.response_due_on or today + dt.timedelta(days=rules.notice_response_days)
    try:
        async with session.begin_nested():
            return await _issue(
                session,
                principal=principal,
                assignment=assignment,
                region_code=plan.region_code,
                source="manual",
                reason=data.reason.strip(),
                response_due_on=due,
                today=today,
            )
    except IntegrityError:
        raise NoticeOpen() from None


async def _lock(session: AsyncSession, notice: SupervisionNotice) -> None:
    await session.refresh(notice, with_for_update=True)


async def respond(
    session: AsyncSession,
    *,
    principal: Principal,
    notice: SupervisionNotice,
    data: NoticeResponseCreate,
) -> NoticeResponse:
    await _lock(session, notice)
    if notice.status not in ("open", "returned", "answered"):
        raise NoticeStateConflict("督办单已办结，不能再反馈")
    row = NoticeResponse(
        notice_id=notice.id,
        unit_id=notice.unit_id,
        text=data.text.strip(),
        created_by=principal.sub[:200],
    )
    session.add(row)
    before = snapshot(notice, ("status", "answered_at"))
    notice.status = "answered"
    notice.answered_at = utcnow()
    await flush_versioned(session)
    record(
        session,
        principal=principal,
        entity="supervision_notice",
        entity_id=notice.id,
        action="respond",
        before=before,
        after={"response_id": row.id, "text": row.text, "status": notice.status},
        plan_id=notice.plan_id,
        task_id=notice.item_id,
        unit_id=notice.unit_id,
    )
    # The one who raised it reads the answer; the escalation sweep has no inbox, so its
    # notices go to the plan's author.
    raiser = notice.created_by
    if raiser.startswith("system:"):
        raiser = (
            await session.scalar(select(Plan.created_by).where(Plan.id == notice.plan_id)) or ""
        )
    if raiser:
        await notify(
            session,
            recipient=Recipient(user=raiser),
            kind="supervision_notice_answered",
            title=f"{notice.title} 已反馈"[:300],
            body=row.text[:2000],
            dedupe_key=f"supervision_notice_answered:{row.id}",
            plan_id=notice.plan_id,
            assignment_id=notice.assignment_id,
            created_by=principal.sub[:200],
        )
    return row


async def add_file(
    session: AsyncSession,
    *,
    principal: Principal,
    response: NoticeResponse,
    data: bytes,
    filename: str | None,
    storage: Storage,
    max_bytes: int,
) -> NoticeFile:
    stored = await store_evidence(
        data=data, filename=filename, storage=storage, max_bytes=max_bytes
    )
    row = NoticeFile(
        response_id=response.id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        created_by=principal.sub[:200],
    )
    session.add(row)
    await session.flush()
    notice = await session.get(SupervisionNotice, response.notice_id)
    record(
        session,
        principal=principal,
        entity="notice_file",
        entity_id=row.id,
        action="create",
        after=snapshot(row, ("response_id", "filename", "content_type", "size", "sha256")),
        plan_id=notice.plan_id if notice else None,
        task_id=notice.item_id if notice else None,
        unit_id=response.unit_id,
    )
    return row


async def decide(
    session: AsyncSession,
    *,
    principal: Principal,
    notice: SupervisionNotice,
    data: SupervisionDecision,
) -> SupervisionNotice:
    """Staff close an answered notice (办结销号) or send it back (退回重办) with a reason."""
    if notice.status != "answered":
        raise NoticeStateConflict("只有已反馈的督办单可以办结或退回")
    before = snapshot(notice, ("status", "closed_at", "closed_by", "return_reason"))
    if data.decision == "close":
        notice.status = "closed"
        notice.closed_at = utcnow()
        notice.closed_by = principal.sub[:200]
    else:
        notice.status = "returned"
        notice.return_reason = (data.reason or "").strip()
    await flush_versioned(session)
    record(
        session,
        principal=principal,
        entity="supervision_notice",
        entity_id=notice.id,
        action=data.decision,
        before=before,
        after=snapshot(notice, ("status", "closed_at", "closed_by", "return_reason")),
        plan_id=notice.plan_id,
        task_id=notice.item_id,
        unit_id=notice.unit_id,
    )
    closed = data.decision == "close"
    await notify(
        session,
        recipient=Recipient(unit_id=notice.unit_id),
        kind="supervision_notice_closed" if closed else "supervision_notice_returned",
        title=f"{notice.title} {'已办结销号' if closed else '被退回，请重新反馈'}",
        body="" if closed else (notice.return_reason or ""),
        dedupe_key=f"supervision_notice_{data.decision}:{notice.id}:{notice.version}",
        plan_id=notice.plan_id,
        assignment_id=notice.assignment_id,
        created_by=principal.sub[:200],
    )
    return notice


def final_deadline() -> ColumnElement[dt.date]:
    """An assignment's last deadline in SQL: its approved extension, else the task's last."""
    task_last = (
        select(func.max(ItemDeadline.due_on))
        .where(col(ItemDeadline.item_id) == col(Assignment.item_id))
        .scalar_subquery()
    )
    return func.coalesce(col(Assignment.due_on), task_last)


async def escalate(
    session: AsyncSession, *, today: dt.date, plan_id: uuid.UUID | None = None
) -> tuple[list[SupervisionNotice], int]:
    """One pass of the ladder over open lead assignments (of one plan, or all):

    - overdue by more than the plan's ``escalate_overdue_days`` and no notice open → a 督办单;
    - a notice unanswered (open or returned) past its response deadline → listed for 约谈/通报.

    Safe to run from several workers at once: the partial unique index on open notices lets
    only one of them raise a notice for an assignment; the other skips it.
    """
    raised: list[SupervisionNotice] = []
    plans_stmt = select(Plan).where(col(Plan.status) != "archived")
    if plan_id is not None:
        plans_stmt = plans_stmt.where(Plan.id == plan_id)
    for plan in (await session.execute(plans_stmt)).scalars().all():
        rules = supervision_rules_of(plan.supervision_rules)
        if rules.escalate_after_reminders is not None:
            raised += await _escalate_unanswered_urges(
                session, plan=plan, needed=rules.escalate_after_reminders, today=today
            )
        if rules.escalate_overdue_days is None:
            continue
        limit = today - dt.timedelta(days=rules.escalate_overdue_days)
        due = final_deadline()
        has_open = (
            select(SupervisionNotice.id)
            .where(
                col(SupervisionNotice.assignment_id) == col(Assignment.id),
                col(SupervisionNotice.status).in_(OPEN),
            )
            .exists()
        )
        # A closed notice answers for the deadline it was raised on: none again until an
        # extension sets a new deadline and that one passes too.
        answered = set(
            (
                await session.execute(
                    select(
                        col(SupervisionNotice.assignment_id), col(SupervisionNotice.missed_due_on)
                    ).where(
                        SupervisionNotice.plan_id == plan.id,
                        col(SupervisionNotice.missed_due_on).is_not(None),
                    )
                )
            )
            .tuples()
            .all()
        )
        rows = (
            await session.execute(
                select(Assignment, due)
                .where(
                    Assignment.plan_id == plan.id,
                    Assignment.role == "lead",
                    col(Assignment.status).not_in(DONE),
                    due < limit,
                    ~has_open,
                )
                .order_by(col(Assignment.created_at), col(Assignment.id))
            )
        ).all()
        for assignment, last in rows:
            if (assignment.id, last) in answered:
                continue
            days = (today - last).days
            try:
                async with session.begin_nested():
                    raised.append(
                        await _issue(
                            session,
                            principal=SYSTEM,
                            assignment=assignment,
                            region_code=plan.region_code,
                            source="overdue",
                            reason=f"任务已逾期 {days} 天（完成时限 {last.isoformat()}），请说明原因并限期整改",
                            response_due_on=today + dt.timedelta(days=rules.notice_response_days),
                            today=today,
                            missed_due_on=last,
                        )
                    )
            except IntegrityError:
                continue  # another worker raised it first
    listed = await _list_unanswered(session, today=today, plan_id=plan_id)
    return raised, listed


async def _escalate_unanswered_urges(
    session: AsyncSession, *, plan: Plan, needed: int, today: dt.date
) -> list[SupervisionNotice]:
    """Open lead assignments with ``needed`` 催办 and no report since the first of them (nor a
    notice raised on them since): a 督办单 each."""
    rows = (
        await session.execute(
            select(
                Assignment,
                func.count(col(Reminder.id)),
            )
            .join(Reminder, col(Reminder.assignment_id) == col(Assignment.id))
            .where(
                Assignment.plan_id == plan.id,
                Assignment.role == "lead",
                col(Assignment.status).not_in(DONE),
                Reminder.rule == "urge",
                # A report on or after the day of a 催办 answers it.
                (col(Assignment.last_report_on).is_(None))
                | (
                    func.date(func.timezone("Asia/Shanghai", col(Reminder.created_at)))
                    > col(Assignment.last_report_on)
                ),
                ~select(SupervisionNotice.id)
                .where(
                    col(SupervisionNotice.assignment_id) == col(Assignment.id),
                    (col(SupervisionNotice.status).in_(OPEN))
                    | (col(SupervisionNotice.created_at) >= col(Reminder.created_at)),
                )
                .exists(),
            )
            .group_by(col(Assignment.id))
            .having(func.count(col(Reminder.id)) >= needed)
        )
    ).all()
    rules = supervision_rules_of(plan.supervision_rules)
    out = []
    for assignment, urges in rows:
        try:
            async with session.begin_nested():
                out.append(
                    await _issue(
                        session,
                        principal=SYSTEM,
                        assignment=assignment,
                        region_code=plan.region_code,
                        source="reminders",
                        reason=f"已催办 {urges} 次仍未报送进展，请说明原因并限期整改",
                        response_due_on=today + dt.timedelta(days=rules.notice_response_days),
                        today=today,
                    )
                )
        except IntegrityError:
            continue
    return out


async def _list_unanswered(
    session: AsyncSession, *, today: dt.date, plan_id: uuid.UUID | None
) -> int:
    stmt = (
        select(SupervisionNotice)
        .where(
            col(SupervisionNotice.status).in_(("open", "returned")),
            col(SupervisionNotice.response_due_on) < today,
            col(SupervisionNotice.listed_at).is_(None),
        )
        .with_for_update(skip_locked=True)
    )
    if plan_id is not None:
        stmt = stmt.where(SupervisionNotice.plan_id == plan_id)
    notices = (await session.execute(stmt)).scalars().all()
    for notice in notices:
        notice.listed_at = utcnow()
        await flush_versioned(session)
        record(
            session,
            principal=SYSTEM,
            entity="supervision_notice",
            entity_id=notice.id,
            action="list",
            after={"listed_at": notice.listed_at, "title": notice.title},
            plan_id=notice.plan_id,
            task_id=notice.item_id,
            unit_id=notice.unit_id,
        )
    return len(notices)


async def to_reads(
    session: AsyncSession, rows: Sequence[SupervisionNotice], today: dt.date
) -> list[SupervisionNoticeRead]:
    if not rows:
        return []
    items = {
        i.id: i
        for i in (
            await session.execute(select(Item).where(col(Item.id).in_({n.item_id for n in rows})))
        ).scalars()
    }
    names = dict(
        (
            await session.execute(
                select(Unit.id, Unit.name).where(col(Unit.id).in_({n.unit_id for n in rows}))
            )
        ).all()
    )
    responses: dict[uuid.UUID, list[NoticeResponse]] = defaultdict(list)
    for r in (
        await session.execute(
            select(NoticeResponse)
            .where(col(NoticeResponse.notice_id).in_([n.id for n in rows]))
            .order_by(col(NoticeResponse.created_at), col(NoticeResponse.id))
        )
    ).scalars():
        responses[r.notice_id].append(r)
    files: dict[uuid.UUID, list[NoticeFile]] = defaultdict(list)
    response_ids = [r.id for rs in responses.values() for r in rs]
    if response_ids:
        for f in (
            await session.execute(
                select(NoticeFile)
                .where(col(NoticeFile.response_id).in_(response_ids))
                .order_by(col(NoticeFile.created_at), col(NoticeFile.id))
            )
        ).scalars():
            files[f.response_id].append(f)
    out = []
    for n in rows:
        item = items[n.item_id]
        out.append(
            SupervisionNoticeRead.model_validate(
                {
                    **n.model_dump(),
                    "title": n.title,
                    "task_id": n.item_id,
                    "task_code": item.code,
                    "task_title": item.title,
                    "unit_name": names.get(n.unit_id, ""),
                    "response_overdue": n.status in ("open", "returned")
                    and today > n.response_due_on,
                    "responses": [
                        NoticeResponseRead.model_validate(
                            {
                                **r.model_dump(),
                                "files": [NoticeFileRead.model_validate(f) for f in files[r.id]],
                            }
                        )
                        for r in responses[n.id]
                    ],
                }
            )
        )
    return out


ORDERS = {
    "created_at": col(SupervisionNotice.created_at),
    "response_due_on": col(SupervisionNotice.response_due_on),
}


async def list_notices(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    today: dt.date,
    plan_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    assignment_id: uuid.UUID | None,
    status: str | None,
    listed: bool | None,
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[SupervisionNoticeRead], str | None]:
    stmt = select(SupervisionNotice).where(visible)
    if plan_id:
        stmt = stmt.where(SupervisionNotice.plan_id == plan_id)
    if unit_id:
        stmt = stmt.where(SupervisionNotice.unit_id == unit_id)
    if assignment_id:
        stmt = stmt.where(SupervisionNotice.assignment_id == assignment_id)
    if status:
        stmt = stmt.where(SupervisionNotice.status == status)
    if listed is not None:
        listed_col = col(SupervisionNotice.listed_at)
        stmt = stmt.where(listed_col.is_not(None) if listed else listed_col.is_(None))
    rows, nxt = await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(
            order, ORDERS, default="-created_at", id_column=col(SupervisionNotice.id)
        ),
    )
    return await to_reads(session, rows, today), nxt
