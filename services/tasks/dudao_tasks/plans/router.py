from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from dudao_shared.api import Cursor, IfMatch, Limit, Page, decode_cursor, encode_cursor, set_etag
from dudao_shared.auth import CurrentPrincipal, Staff, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)

from ..assignments.models import Assignment
from ..common.access import require_region, unit_scope
from ..common.numbers import DecimalNumber
from ..common.pagination import paginate
from ..common.regions import region_prefix
from ..common.time import Today
from ..common.versioning import require_version
from ..items import service as items_service
from ..items.models import Item
from ..items.schemas import ItemCreate, ItemRead
from ..items.service import ItemCodeTaken
from ..ledger.service import build_ledger
from ..lights import service as lights
from . import service
from .dependencies import ReadablePlan
from .models import Plan
from .schemas import PlanCreate, PlanDetail, PlanRead, PlanUpdate
from .service import InvalidTransition, PlanNotFound, unit_sees_plan

router = APIRouter(prefix="/api/v1/plans", tags=["plans"])

ORDERS = {"created_at": Plan.created_at, "updated_at": Plan.updated_at, "title": Plan.title}
ITEM_ORDERS = {"sort_key": Item.sort_key, "created_at": Item.created_at}


class TaskLight(BaseModel):
    id: uuid.UUID
    code: str = Field(description="编号")
    title: str = Field(description="任务")
    kind: str
    status: str = Field(description="任务状态（随牵头单位）")
    lead_units: list[str] = Field(description="牵头单位")
    co_units: list[str] = Field(description="配合单位")
    due_on: dt.date | None = Field(description="最后完成时限")
    next_due_on: dt.date | None = Field(description="下一个完成时限")
    overdue: bool
    due_soon: bool
    percent: DecimalNumber | None = Field(description="完成进度 %（牵头单位）")
    last_report_at: dt.datetime | None = Field(description="最新进展时间")
    light: str = Field(description="green、yellow、red")
    light_reasons: list[str]


class UnitLight(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    light: str = Field(description="该单位在本规划中各任务分工的最差灯色")
    counts: dict[str, int] = Field(description="各灯色的任务分工数")


class PlanLights(BaseModel):
    plan_id: uuid.UUID
    light: str = Field(description="全部任务的最差灯色")
    counts: dict[str, int] = Field(description="各灯色的任务数")
    units: list[UnitLight] = Field(description="各责任单位")


def _detail(plan: Plan) -> PlanDetail:
    return PlanDetail.model_validate(plan)


@router.get("", response_model=Page[PlanRead], responses=problem_responses(ValidationFailed))
async def list_plans(
    principal: CurrentPrincipal,
    session: SessionDep,
    status_: Literal["draft", "published", "archived"] | None = Query(None, alias="status"),
    region_code: str | None = Query(None, max_length=6, description="区划代码（含下级）"),
    level: str | None = Query(None, max_length=20),
    parent_plan_id: uuid.UUID | None = Query(None, description="上位规划"),
    q: str | None = Query(None, max_length=100, description="标题包含"),
    order: str | None = Query(None, max_length=30, description="created_at、updated_at、title，前加 - 倒序"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PlanRead]:
    """规划列表（单位令牌只看到有本单位任务的规划）"""
    stmt = select(Plan)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(unit_sees_plan(unit))
    if status_:
        stmt = stmt.where(Plan.status == status_)
    if region_code:
        stmt = stmt.where(Plan.region_code.startswith(region_prefix(region_code)))  # type: ignore[attr-defined]
    if level:
        stmt = stmt.where(Plan.level == level)
    if parent_plan_id:
        stmt = stmt.where(Plan.parent_plan_id == parent_plan_id)
    if q:
        stmt = stmt.where(Plan.title.contains(q))  # type: ignore[attr-defined]
    rows, nxt = await paginate(session, stmt, id_column=Plan.id, order=order, allowed=ORDERS,  # type: ignore[arg-type]
                               default="-created_at", limit=limit, cursor=cursor)
    return Page(items=[PlanRead.model_validate(p) for p in rows], next_cursor=nxt)


@router.post(
    "",
    response_model=PlanDetail,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def create_plan(
    principal: StaffWriter, session: SessionDep, body: PlanCreate, response: Response
) -> PlanDetail:
    """新建规划（可一次带上条目、完成时限与任务分工）"""
    plan = await service.create_plan_tree(
        session, principal=principal, plan=body, items=body.items, assignments=body.assignments
    )
    set_etag(response, plan.version)
    return _detail(plan)


@router.get("/{plan_id}", response_model=PlanDetail, responses=problem_responses(PlanNotFound))
async def get_plan(plan: ReadablePlan, response: Response) -> PlanDetail:
    """查看规划"""
    set_etag(response, plan.version)
    return _detail(plan)


@router.patch(
    "/{plan_id}",
    response_model=PlanDetail,
    responses=problem_responses(PlanNotFound, Forbidden, ValidationFailed, InvalidTransition,
                                PreconditionFailed, PreconditionRequired),
)
async def update_plan(
    principal: StaffWriter,
    plan: ReadablePlan,
    session: SessionDep,
    body: PlanUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> PlanDetail:
    """修改规划（含状态 draft → published → archived 与亮灯规则）"""
    expected = require_version(if_match, plan.version)
    plan = await service.update_plan(session, principal=principal, plan=plan, expected=expected,
                                     data=body)
    set_etag(response, plan.version)
    return _detail(plan)


@router.get(
    "/{plan_id}/items",
    response_model=Page[ItemRead],
    responses=problem_responses(PlanNotFound, ValidationFailed),
)
async def list_items(
    plan: ReadablePlan,
    principal: CurrentPrincipal,
    session: SessionDep,
    kind: Literal["section", "task", "project"] | None = Query(None),
    parent_id: uuid.UUID | None = Query(None, description="只列出该条目的直接下级"),
    order: str | None = Query(None, max_length=30, description="sort_key（文档顺序，默认）、created_at"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ItemRead]:
    """规划的条目（文档顺序；单位令牌只看到本单位的任务）"""
    stmt = select(Item).where(Item.plan_id == plan.id)
    unit = unit_scope(principal)
    if unit is not None:
        stmt = stmt.where(Item.id.in_(select(Assignment.item_id).where(Assignment.unit_id == unit)))  # type: ignore[attr-defined]
    if kind:
        stmt = stmt.where(Item.kind == kind)
    if parent_id:
        stmt = stmt.where(Item.parent_id == parent_id)
    rows, nxt = await paginate(session, stmt, id_column=Item.id, order=order,  # type: ignore[arg-type]
                               allowed=ITEM_ORDERS, default="sort_key", limit=limit, cursor=cursor)
    return Page(items=await items_service.read_many(session, rows), next_cursor=nxt)


@router.post(
    "/{plan_id}/items",
    response_model=ItemRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(PlanNotFound, Forbidden, ValidationFailed, ItemCodeTaken),
)
async def create_item(
    principal: StaffWriter, plan: ReadablePlan, session: SessionDep, body: ItemCreate,
    response: Response,
) -> ItemRead:
    """新建条目（章节、任务或专栏项目）"""
    require_region(principal, plan.region_code)
    out = await items_service.create_item(session, principal=principal, plan=plan, data=body)
    set_etag(response, out.version)
    return out


@router.get(
    "/{plan_id}/tasks",
    response_model=Page[TaskLight],
    responses=problem_responses(PlanNotFound, ValidationFailed),
)
async def list_plan_tasks(
    plan: ReadablePlan,
    principal: CurrentPrincipal,
    session: SessionDep,
    today: Today,
    status_: str | None = Query(None, alias="status", max_length=20),
    light: Literal["green", "yellow", "red"] | None = Query(None),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TaskLight]:
    """规划的任务及亮灯（单位令牌只看到本单位的任务）"""
    rows = await lights.plan_tasks(session, plan, today, unit_id=unit_scope(principal))
    rows = [r for r in rows if (status_ is None or r.item.status == status_)
            and (light is None or r.state.light == light)]
    data = decode_cursor(cursor) or {"i": 0}
    start = data.get("i")
    if not isinstance(start, int) or start < 0:
        raise ValidationFailed("分页游标无效", errors=[{"field": "cursor", "message": "无法识别的游标"}])
    page = rows[start : start + limit]
    items = [
        TaskLight(
            id=r.item.id, code=r.item.code, title=r.item.title, kind=r.item.kind,
            status=r.item.status, lead_units=r.leads, co_units=r.cos,
            due_on=r.state.final_due_on, next_due_on=r.state.next_due_on,
            overdue=r.state.overdue, due_soon=r.state.due_soon, percent=r.percent,
            last_report_at=r.latest_report.created_at if r.latest_report else None,
            light=r.state.light, light_reasons=r.state.reasons,
        )
        for r in page
    ]
    more = start + limit < len(rows)
    return Page(items=items, next_cursor=encode_cursor({"i": start + limit}) if more else None)


@router.get(
    "/{plan_id}/lights",
    response_model=PlanLights,
    responses=problem_responses(PlanNotFound, Forbidden),
)
async def plan_lights(
    _: Staff, plan: ReadablePlan, session: SessionDep, today: Today
) -> PlanLights:
    """规划亮灯汇总：整体（最差灯色）、各灯色任务数与各责任单位"""
    rows = await lights.plan_tasks(session, plan, today)
    light, counts = lights.summarize(rows)
    return PlanLights(
        plan_id=plan.id, light=light, counts=counts,
        units=[UnitLight.model_validate(u) for u in lights.summarize_units(rows)],
    )


@router.get(
    "/{plan_id}/ledger.xlsx",
    response_class=Response,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
                     "description": "台账 .xlsx"},
               **problem_responses(PlanNotFound, Forbidden)},
)
async def plan_ledger(_: Staff, plan: ReadablePlan, session: SessionDep, today: Today) -> Response:
    """导出台账 (.xlsx)"""
    rows = await lights.plan_tasks(session, plan, today)
    data = build_ledger(plan, rows)
    filename = quote(f"{plan.title[:80]}-台账.xlsx")
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{filename}"},
    )
