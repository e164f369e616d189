from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.errors import ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from . import service
from .service import Region, RegionNotFound

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])


class RegionRead(BaseModel):
    code: str = Field(description="GB/T 2260 六位区划代码")
    name: str = Field(description="名称")
    level: str = Field(description="层级：province、city、county")
    parent_code: str | None = Field(description="上级区划代码")


def _read(r: Region) -> RegionRead:
    return RegionRead(code=r.code, name=r.name, level=r.level, parent_code=r.parent_code)


@router.get("", response_model=Page[RegionRead], responses=problem_responses(ValidationFailed))
async def list_regions(
    _: CurrentPrincipal,
    parent_code: str | None = Query(None, max_length=6, description="上级区划代码"),
    level: Literal["province", "city", "county"] | None = Query(None, description="层级"),
    q: str | None = Query(None, max_length=50, description="名称包含"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[RegionRead]:
    """行政区划列表"""
    rows = service.matching(parent_code=parent_code, level=level, q=q)
    page, nxt = service.page(rows, limit=limit, cursor=cursor)
    return Page(items=[_read(r) for r in page], next_cursor=nxt)


@router.get("/{code}", response_model=RegionRead, responses=problem_responses(RegionNotFound))
async def get_region(_: CurrentPrincipal, code: str) -> RegionRead:
    """查看行政区划"""
    return _read(service.get(code))


@router.get(
    "/{code}/children",
    response_model=Page[RegionRead],
    responses=problem_responses(RegionNotFound, ValidationFailed),
)
async def region_children(
    _: CurrentPrincipal, code: str, limit: Limit = 50, cursor: Cursor = None
) -> Page[RegionRead]:
    """下级行政区划"""
    page, nxt = service.page(service.children(code), limit=limit, cursor=cursor)
    return Page(items=[_read(r) for r in page], next_cursor=nxt)
