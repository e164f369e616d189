"""通报: issued on demand or monthly, kept as issued, read as JSON or .xlsx."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from dudao_shared.auth import StaffWriter
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.downloads import attachment
from dudao_shared.errors import Forbidden, ValidationFailed, problem_responses
from dudao_shared.pagination import Cursor, Limit, Page

from ..plans.dependencies import WritablePlan
from ..plans.service import PlanNotFound
from . import service
from .dependencies import NewBulletin, ReadableBulletin, VisibleBulletins
from .schemas import BulletinRead, BulletinSummary
from .service import BulletinNotFound

router = APIRouter(tags=["bulletins"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post(
    "/api/v1/plans/{plan_id}/bulletins",
    response_model=BulletinRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(PlanNotFound, Forbidden, ValidationFailed),
)
async def issue_bulletin(
    principal: StaffWriter, plan: WritablePlan, body: NewBulletin, session: SessionDep, today: Today
) -> BulletinRead:
    """签发临时通报（按当前数据计算并保存；之后数据变化不改变已签发的通报）"""
    row = await service.issue(
        session,
        principal=principal,
        plan=plan,
        region_code=body.region_code,
        kind="on_demand",
        period=(today.replace(day=1), today),
        today=today,
    )
    return BulletinRead.model_validate(row)


@router.get(
    "/api/v1/bulletins",
    response_model=Page[BulletinSummary],
    responses=problem_responses(Forbidden, ValidationFailed),
)
async def list_bulletins(
    visible: VisibleBulletins,
    session: SessionDep,
    plan_id: uuid.UUID | None = Query(None, description="规划"),
    kind: str | None = Query(None, max_length=20, description="scheduled 或 on_demand"),
    order: str | None = Query(None, max_length=30, description="issued_at，前加 - 倒序"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BulletinSummary]:
    """通报列表（新签发的在前）"""
    rows, nxt = await service.list_bulletins(
        session,
        visible=visible,
        plan_id=plan_id,
        kind=kind,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[BulletinSummary.model_validate(r) for r in rows], next_cursor=nxt)


@router.get(
    "/api/v1/bulletins/{bulletin_id}",
    response_model=BulletinRead,
    responses=problem_responses(BulletinNotFound, Forbidden),
)
async def get_bulletin(bulletin: ReadableBulletin) -> BulletinRead:
    """查看通报（签发时的内容）"""
    return BulletinRead.model_validate(bulletin)


@router.get(
    "/api/v1/bulletins/{bulletin_id}/bulletin.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "通报 .xlsx"},
        **problem_responses(BulletinNotFound, Forbidden),
    },
)
async def bulletin_xlsx(bulletin: ReadableBulletin) -> Response:
    """导出通报 (.xlsx：总体情况、单位排名、红榜)"""
    return Response(
        service.to_xlsx(bulletin),
        media_type=XLSX,
        headers=attachment(f"{bulletin.title[:100]}.xlsx", fallback="bulletin.xlsx"),
    )
