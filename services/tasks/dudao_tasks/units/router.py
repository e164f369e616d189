from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Response, status

from dudao_shared.auth import StaffWriter
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.pagination import Cursor, Limit, Page
from dudao_shared.regions import RegionQuery
from dudao_shared.versioning import IfMatchVersion, require_version, set_etag

from . import service
from .dependencies import (
    NewUnit,
    ReadableUnit,
    ResolveNames,
    UnitChanges,
    VisibleUnits,
    WritableUnit,
)
from .schemas import ResolveResult, UnitRead
from .service import UnitNameTaken, UnitNotFound

router = APIRouter(prefix="/api/v1/units", tags=["units"])


@router.get("", response_model=Page[UnitRead], responses=problem_responses(ValidationFailed))
async def list_units(
    visible: VisibleUnits,
    session: SessionDep,
    region_code: RegionQuery = None,
    q: str | None = Query(None, max_length=100, description="名称或别名包含"),
    active_on: dt.date | None = Query(None, description="仅列出该日期有效的单位"),
    order: str | None = Query(
        None, max_length=30, description="排序：name、created_at、region_code"
    ),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UnitRead]:
    """单位列表（单位令牌只能看到本单位）"""
    items, nxt = await service.list_units(
        session,
        visible=visible,
        region_code=region_code,
        q=q,
        on=active_on,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=nxt)


@router.post(
    "",
    response_model=UnitRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(Forbidden, UnitNameTaken, ValidationFailed),
)
async def create_unit(
    principal: StaffWriter, body: NewUnit, session: SessionDep, response: Response
) -> UnitRead:
    """新建单位（可带别名）"""
    out = await service.create_unit(session, principal=principal, data=body)
    set_etag(response, out.version)
    return out


@router.post(
    "/resolve",
    response_model=ResolveResult,
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def resolve_units(session: SessionDep, body: ResolveNames, today: Today) -> ResolveResult:
    """批量解析单位名称（按名称或别名，未解析的不会自动创建）"""
    return await service.resolve_names(
        session, region_code=body.region_code, names=body.names, on=body.on or today
    )


@router.get("/{unit_id}", response_model=UnitRead, responses=problem_responses(UnitNotFound))
async def get_unit(unit: ReadableUnit, session: SessionDep, response: Response) -> UnitRead:
    """查看单位"""
    set_etag(response, unit.version)
    return (await service.read_many(session, [unit]))[0]


@router.patch(
    "/{unit_id}",
    response_model=UnitRead,
    responses=problem_responses(
        UnitNotFound,
        Forbidden,
        UnitNameTaken,
        ValidationFailed,
        PreconditionFailed,
        PreconditionRequired,
        Conflict,
    ),
)
async def update_unit(
    principal: StaffWriter,
    unit: WritableUnit,
    body: UnitChanges,
    session: SessionDep,
    response: Response,
    expected: IfMatchVersion,
) -> UnitRead:
    """修改单位（更名、合并时填写停用日期与承继单位）"""
    require_version(unit.version, expected)
    out = await service.update_unit(session, principal=principal, unit=unit, data=body)
    set_etag(response, out.version)
    return out
