from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, NotFound, ValidationFailed, problem_responses
from dudao_shared.idempotency import IdempotencyKey, idempotent
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.versioning import IfMatchVersion, set_etag

from ..assignments.dependencies import WritableAssignment
from ..models import IdempotencyRecord
from ..plans.dependencies import ReadablePlan, WritablePlan
from ..units.dependencies import WritableUnit
from . import service
from .dependencies import VisibleReminders
from .schemas import ReminderRead, ReminderRules, ReminderRulesRead, SweepResult, UrgeCreate

router = APIRouter(tags=["reminders"])


def _rules_read(plan_id: uuid.UUID, rules: ReminderRules, version: int) -> ReminderRulesRead:
    return ReminderRulesRead(plan_id=plan_id, version=version, **rules.model_dump())


@router.get(
    "/api/v1/plans/{plan_id}/reminder_rules",
    response_model=ReminderRulesRead,
    responses=problem_responses(NotFound),
)
async def get_reminder_rules(
    plan: ReadablePlan, session: SessionDep, response: Response
) -> ReminderRulesRead:
    """规划的提醒规则（未设置时为默认规则，版本 0）"""
    row = await service.rules_of(session, plan.id)
    rules = ReminderRules.model_validate(row) if row is not None else ReminderRules()
    version = row.version if row is not None else 0
    set_etag(response, version)
    return _rules_read(plan.id, rules, version)


@router.put(
    "/api/v1/plans/{plan_id}/reminder_rules",
    response_model=ReminderRulesRead,
    responses=problem_responses(NotFound, Forbidden, ValidationFailed),
)
async def put_reminder_rules(
    plan: WritablePlan,
    body: ReminderRules,
    expected: IfMatchVersion,
    principal: StaffWriter,
    session: SessionDep,
    response: Response,
) -> ReminderRulesRead:
    """设置规划的提醒规则（If-Match 携带读取时的 ETag；首次设置为 "0"）"""
    row = await service.set_rules(
        session, plan=plan, body=body, expected=expected, principal=principal
    )
    set_etag(response, row.version)
    return _rules_read(plan.id, body, row.version)


@router.post(
    "/api/v1/assignments/{assignment_id}/urges",
    response_model=ReminderRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(NotFound, Forbidden, ValidationFailed),
)
async def urge_assignment(
    assignment: WritableAssignment,
    body: UrgeCreate,
    principal: StaffWriter,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReminderRead | JSONResponse:
    """催办：就一项交办催促责任单位（单位的通知箱和外发渠道都会收到）"""

    async def run() -> ReminderRead:
        row = await service.urge_assignment(
            session, assignment=assignment, message=body.message, principal=principal
        )
        return ReminderRead.model_validate(row)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope=f"urge:{assignment.id}",
        body=body,
        response=response,
        status_code=status.HTTP_201_CREATED,
        run=run,
    )


@router.post(
    "/api/v1/units/{unit_id}/urges",
    response_model=ReminderRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(NotFound, Forbidden, ValidationFailed),
)
async def urge_unit(
    unit: WritableUnit,
    body: UrgeCreate,
    principal: StaffWriter,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReminderRead | JSONResponse:
    """催办：催促一个责任单位（不限于某项任务）"""

    async def run() -> ReminderRead:
        row = await service.urge_unit(session, unit=unit, message=body.message, principal=principal)
        return ReminderRead.model_validate(row)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope=f"urge_unit:{unit.id}",
        body=body,
        response=response,
        status_code=status.HTTP_201_CREATED,
        run=run,
    )


@router.get(
    "/api/v1/reminders",
    response_model=Page[ReminderRead],
    responses=problem_responses(ValidationFailed),
)
async def list_reminders(
    scope: VisibleReminders,
    session: SessionDep,
    assignment_id: uuid.UUID | None = Query(None),
    unit_id: uuid.UUID | None = Query(None),
    plan_id: uuid.UUID | None = Query(None),
    rule: str | None = Query(
        None, max_length=30, description="due_soon、overdue、no_report、not_acknowledged、urge"
    ),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReminderRead]:
    """提醒与催办记录（单位只看发给本单位的；新的在前）"""
    rows, nxt = await service.list_reminders(
        session,
        scope=scope,
        assignment_id=assignment_id,
        unit_id=unit_id,
        plan_id=plan_id,
        rule=rule,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[ReminderRead.model_validate(r) for r in rows], next_cursor=nxt)


@router.post(
    "/api/v1/reminders/sweeps",
    response_model=SweepResult,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(Forbidden),
)
async def run_sweep(_: StaffWriter, session: SessionDep) -> SweepResult:
    """立即扫描一次到期提醒（后台作业执行；已发过的不会重发）"""
    job_id, on = await service.defer_sweep(session)
    return SweepResult(job_id=job_id, on=on)
