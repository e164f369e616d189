from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from dudao_shared.auth import StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    problem_responses,
)
from dudao_shared.idempotency import IdempotencyKey, idempotent
from dudao_shared.pagination import Cursor, Limit, Order, Page
from dudao_shared.regions import RegionQuery
from dudao_shared.versioning import IfMatchVersion, set_etag

from ..models import IdempotencyRecord
from . import bulk, service
from .dependencies import (
    IndicatorsInReach,
    NewIndicator,
    NewIndicators,
    NewParsedIndicators,
    ReadableIndicator,
    VisiblePairs,
    WritableIndicator,
)
from .loader import import_parsed
from .schemas import IndicatorRead, IndicatorUpdate

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"])


@router.get("", response_model=Page[IndicatorRead])
async def list_indicators(
    session: SessionDep,
    pairs: VisiblePairs,
    reach: IndicatorsInReach,
    plan_id: Annotated[str | None, Query(max_length=64, description="规划")] = None,
    domain: Annotated[str | None, Query(max_length=100, description="领域")] = None,
    region_code: RegionQuery = None,
    order: Order = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[IndicatorRead]:
    """指标列表（排序：position、code、name、created_at，前加 - 为倒序）"""
    only = None if pairs is None else {i for i, _ in pairs}
    rows, nxt = await service.list_(
        session,
        plan_id=plan_id,
        domain=domain,
        region_code=region_code,
        only_ids=only,
        reach=reach,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(
        items=[IndicatorRead.model_validate(r, from_attributes=True) for r in rows], next_cursor=nxt
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IndicatorRead,
    responses=problem_responses(NotFound, Forbidden, Conflict, ValidationFailed),
)
async def create_indicator(
    data: NewIndicator,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> IndicatorRead | JSONResponse:
    """新建指标（支持 Idempotency-Key；规划须存在于任务服务且在本辖区）"""

    async def run() -> IndicatorRead:
        ind = await service.create(session, data=data)
        set_etag(response, ind.version)
        return IndicatorRead.model_validate(ind, from_attributes=True)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope="indicators.create",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


@router.post(
    "/bulk",
    status_code=status.HTTP_201_CREATED,
    response_model=bulk.BulkResult,
    responses=problem_responses(NotFound, Forbidden, Conflict, ValidationFailed),
)
async def bulk_create_indicators(
    data: NewIndicators,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> bulk.BulkResult | JSONResponse:
    """批量导入规划指标及目标（全部成功或全部不写入；按 规划+编号 幂等）"""

    async def run() -> bulk.BulkResult:
        return await bulk.bulk_create(session, data=data)

    return await idempotent(
        session,
        model=IdempotencyRecord,
        principal=principal,
        key=idempotency_key,
        scope="indicators.bulk",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


@router.post(
    "/parsed",
    status_code=status.HTTP_201_CREATED,
    response_model=bulk.BulkResult,
    responses=problem_responses(NotFound, Forbidden, Conflict, ValidationFailed),
)
async def import_parsed_indicators(
    data: NewParsedIndicators, session: SessionDep
) -> bulk.BulkResult:
    """从规划解析结果导入指标和正文目标（规划导入时由任务服务调用）"""
    return await import_parsed(session, data=data)


@router.get("/{indicator_id}", response_model=IndicatorRead, responses=problem_responses(NotFound))
async def get_indicator(ind: ReadableIndicator, response: Response) -> IndicatorRead:
    """查看指标"""
    set_etag(response, ind.version)
    return IndicatorRead.model_validate(ind, from_attributes=True)


@router.patch(
    "/{indicator_id}",
    response_model=IndicatorRead,
    responses=problem_responses(
        NotFound, Forbidden, Conflict, PreconditionFailed, PreconditionRequired, ValidationFailed
    ),
)
async def update_indicator(
    ind: WritableIndicator,
    data: IndicatorUpdate,
    session: SessionDep,
    response: Response,
    expected: IfMatchVersion,
) -> IndicatorRead:
    """修改指标（需 If-Match）"""
    ind = await service.update(session, indicator=ind, data=data, expected=expected)
    set_etag(response, ind.version)
    return IndicatorRead.model_validate(ind, from_attributes=True)


@router.delete(
    "/{indicator_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(
        NotFound, Forbidden, Conflict, PreconditionFailed, PreconditionRequired
    ),
)
async def delete_indicator(
    ind: WritableIndicator, session: SessionDep, expected: IfMatchVersion
) -> None:
    """删除指标（无监测值时；需 If-Match）"""
    await service.delete(session, indicator=ind, expected=expected)
