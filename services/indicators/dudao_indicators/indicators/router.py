from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from dudao_shared.api import IdempotencyKey, IfMatch, Page, set_etag
from dudao_shared.auth import CurrentPrincipal, StaffWriter
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
from dudao_shared.parsed_plan import IndicatorRow, TextTarget

from ..access import require_region, unit_grant_pairs
from ..assessments import service as assessments_service
from ..idempotency import idempotent
from ..regions import RegionQuery
from . import bulk, service
from .dependencies import ReadableIndicator, WritableIndicator
from .loader import bulk_body_from_parsed
from .schemas import IndicatorCreate, IndicatorRead, IndicatorUpdate

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"])


@router.get("", response_model=Page[IndicatorRead])
async def list_indicators(
    session: SessionDep,
    principal: CurrentPrincipal,
    plan_id: Annotated[str | None, Query(max_length=64, description="规划")] = None,
    domain: Annotated[str | None, Query(max_length=100, description="领域")] = None,
    region_code: RegionQuery = None,
    order: Annotated[
        str,
        Query(max_length=20, description="排序：position、code、name、created_at，前加 - 为倒序"),
    ] = "position",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[IndicatorRead]:
    """指标列表"""
    only = None
    if principal.is_unit:
        only = {i for i, _ in await unit_grant_pairs(session, principal.unit_id or "")}
    rows, nxt = await service.list_(
        session,
        plan_id=plan_id,
        domain=domain,
        region_code=region_code,
        only_ids=only,
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
    responses=problem_responses(Forbidden, Conflict, ValidationFailed),
)
async def create_indicator(
    data: IndicatorCreate,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> IndicatorRead | JSONResponse:
    """新建指标（支持 Idempotency-Key）"""
    require_region(principal, data.region_code)

    async def run() -> IndicatorRead:
        ind = await service.create(session, data=data)
        set_etag(response, ind.version)
        return IndicatorRead.model_validate(ind, from_attributes=True)

    return await idempotent(
        session,
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
    responses=problem_responses(Forbidden, Conflict, ValidationFailed),
)
async def bulk_create_indicators(
    data: bulk.BulkIndicatorsIn,
    session: SessionDep,
    principal: StaffWriter,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> bulk.BulkResult | JSONResponse:
    """批量导入规划指标及目标（全部成功或全部不写入；按 规划+编号 幂等）"""
    require_region(principal, data.region_code)

    async def run() -> bulk.BulkResult:
        return await bulk.bulk_create(session, data=data)

    return await idempotent(
        session,
        principal=principal,
        key=idempotency_key,
        scope="indicators.bulk",
        body=data,
        response=response,
        status_code=201,
        run=run,
    )


class ParsedIndicatorsIn(BaseModel):
    """A parsed plan's indicator table and in-text targets, as the plan importer sends them."""

    model_config = ConfigDict(extra="forbid")

    plan_id: str = Field(min_length=1, max_length=64, description="规划")
    region_code: str = Field(pattern=r"^\d{6}$", description="规划所属行政区划")
    indicators: list[IndicatorRow] = Field(default_factory=list, max_length=2000,
                                           description="解析出的主要指标表行")
    targets: list[TextTarget] = Field(default_factory=list, max_length=5000,
                                      description="解析出的正文目标")
    item_ids: dict[str, str] = Field(default_factory=dict, description="条目编号 → 任务服务中的条目标识")
    default_target_year: int | None = Field(None, ge=1949, le=2100, description="未写年份的目标所属年份")


@router.post(
    "/parsed",
    status_code=status.HTTP_201_CREATED,
    response_model=bulk.BulkResult,
    responses=problem_responses(Forbidden, Conflict, ValidationFailed),
)
async def import_parsed_indicators(
    data: ParsedIndicatorsIn, session: SessionDep, principal: StaffWriter
) -> bulk.BulkResult:
    """从规划解析结果导入指标和正文目标（规划导入时由任务服务调用）"""
    require_region(principal, data.region_code)
    body = bulk_body_from_parsed(
        plan_id=data.plan_id, region_code=data.region_code, parsed_indicators=data.indicators,
        parsed_targets=data.targets, item_ids=data.item_ids,
        default_target_year=data.default_target_year,
    )
    try:
        checked = bulk.BulkIndicatorsIn.model_validate(body)
    except PydanticValidationError as exc:
        # The parsed form is mapped here, so its faults are the caller's input: name them.
        raise ValidationFailed(
            "解析结果中的指标数据有误",
            errors=[{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                    for e in exc.errors()[:50]],
        ) from None
    return await bulk.bulk_create(session, data=checked)


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
    if_match: IfMatch = None,
) -> IndicatorRead:
    """修改指标（需 If-Match）"""
    ind = await service.update(session, indicator=ind, data=data, if_match=if_match)
    await assessments_service.recompute_indicator(session, indicator=ind)
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
    ind: WritableIndicator, session: SessionDep, if_match: IfMatch = None
) -> None:
    """删除指标（无监测值时；需 If-Match）"""
    await service.delete(session, indicator=ind, if_match=if_match)
