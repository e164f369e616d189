"""The 台账 (.xlsx) of a plan."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dudao_shared.auth import Staff
from dudao_shared.clock import Today
from dudao_shared.db import SessionDep
from dudao_shared.downloads import attachment
from dudao_shared.errors import Forbidden, problem_responses

from ..plans.dependencies import ReadablePlan
from ..plans.service import PlanNotFound
from . import service

router = APIRouter(tags=["plans"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/api/v1/plans/{plan_id}/ledger.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "台账 .xlsx"},
        **problem_responses(PlanNotFound, Forbidden),
    },
)
async def plan_ledger(_: Staff, plan: ReadablePlan, session: SessionDep, today: Today) -> Response:
    """导出台账 (.xlsx)"""
    data = await service.plan_ledger(session, plan=plan, today=today)
    return Response(
        data,
        media_type=XLSX,
        headers=attachment(f"{plan.title[:80]}-台账.xlsx", fallback="ledger.xlsx"),
    )
