"""Loading evaluations and every authorisation their routes need: staff of the region create,
recompute and issue; staff (leaders too) read; a unit reads the issued evaluations it appears
in, and of those only its own row."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import ColumnElement, and_, true
from sqlmodel import col, select

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import ValidationFailed
from dudao_shared.http import ServiceClient
from dudao_shared.regions import require_region

from ..common.access import unit_scope
from ..common.ids import parse_id
from ..models import Evaluation, Plan
from ..plans.service import PlanNotFound
from ..regions import service as regions
from ..state import get_indicators_client
from .schemas import EvaluationCreate
from .service import EvaluationNotFound

EvaluationId = Annotated[str, Path(max_length=64, description="评估标识")]


async def indicators_client(request: Request) -> ServiceClient | None:
    """The indicator service's client (absent in apps started without it)."""
    return get_indicators_client.find(request.app)


IndicatorsClient = Annotated[ServiceClient | None, Depends(indicators_client)]


async def visible_evaluations(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff see every evaluation; a unit the issued ones whose unit table holds its row."""
    unit = unit_scope(principal)
    if unit is None:
        return true()
    return and_(
        col(Evaluation.status) == "issued",
        col(Evaluation.data)["units"].contains([{"unit_id": str(unit)}]),
    )


VisibleEvaluations = Annotated[ColumnElement[bool], Depends(visible_evaluations)]


async def readable_evaluation(
    evaluation_id: EvaluationId, visible: VisibleEvaluations, session: SessionDep
) -> Evaluation:
    eid = parse_id(evaluation_id, EvaluationNotFound())
    ev = (
        await session.execute(select(Evaluation).where(Evaluation.id == eid, visible))
    ).scalar_one_or_none()
    if ev is None:
        raise EvaluationNotFound()
    return ev


ReadableEvaluation = Annotated[Evaluation, Depends(readable_evaluation)]


async def writable_evaluation(principal: StaffWriter, ev: ReadableEvaluation) -> Evaluation:
    """Staff of the evaluation's region (or above it) change and issue it (403 otherwise)."""
    require_region(principal, ev.region_code)
    return ev


WritableEvaluation = Annotated[Evaluation, Depends(writable_evaluation)]


async def new_evaluation(
    body: EvaluationCreate, principal: StaffWriter, session: SessionDep
) -> tuple[EvaluationCreate, str, Plan | None]:
    """The plan or region a new evaluation names, loaded and inside the writer's region."""
    plan = None
    if body.plan_id is not None:
        plan = await session.get(Plan, body.plan_id)
        if plan is None:
            raise PlanNotFound()
        region_code = plan.region_code
    else:
        region_code = body.region_code or ""
        if not regions.exists(region_code):
            raise ValidationFailed(
                f"区划代码 {region_code} 不存在",
                errors=[{"field": "region_code", "message": "区划代码不存在"}],
            )
    require_region(principal, region_code)
    return body, region_code, plan


NewEvaluation = Annotated[tuple[EvaluationCreate, str, Plan | None], Depends(new_evaluation)]


async def viewer_unit(principal: CurrentPrincipal) -> uuid.UUID | None:
    """The unit whose rows alone the caller may see (None: staff see every row)."""
    return unit_scope(principal)


ViewerUnit = Annotated[uuid.UUID | None, Depends(viewer_unit)]
