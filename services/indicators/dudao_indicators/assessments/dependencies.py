"""Load an assessment or answer 404 (a unit sees only its granted pairs); recomputing needs
the region of every indicator it touches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import select

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import NotFound, ValidationFailed

from ..indicators.dependencies import VisiblePairs, load_writable, require_region, unit_may_report
from ..indicators.dependencies import WithinInReach as WithinInReach
from ..models import Assessment, Indicator
from ..policy import may_read_region
from .schemas import RecomputeIn

AssessmentId = Annotated[str, Path(max_length=200, description="评估标识")]


class AssessmentNotFound(NotFound):
    code, title = "assessment_not_found", "评估结果不存在"


async def readable_assessment(
    assessment_id: AssessmentId, session: SessionDep, principal: CurrentPrincipal
) -> Assessment:
    a = await session.get(Assessment, assessment_id) if len(assessment_id) <= 36 else None
    if (
        a is None
        or not may_read_region(principal, a.region_code)
        or (
            principal.is_unit
            and not await unit_may_report(
                session, principal.unit_id or "", a.indicator_id, a.region_code
            )
        )
    ):
        raise AssessmentNotFound(f"找不到评估 {assessment_id}")
    return a


async def indicators_to_recompute(
    data: RecomputeIn, session: SessionDep, principal: StaffWriter
) -> Sequence[Indicator]:
    """The indicator or the plan's indicators the body names, each in the caller's region."""
    if data.indicator_id is not None:
        return [await load_writable(session, principal, data.indicator_id)]
    if data.plan_id is None:
        raise ValidationFailed(
            "请给出 plan_id 或 indicator_id",
            errors=[{"field": "plan_id", "message": "plan_id 与 indicator_id 至少给出一个"}],
        )
    inds = (await session.scalars(select(Indicator).where(Indicator.plan_id == data.plan_id))).all()
    if not inds:
        raise NotFound("该规划没有指标", code="plan_not_found", title="规划不存在")
    for ind in inds:
        require_region(principal, ind.region_code)
    return inds


ReadableAssessment = Annotated[Assessment, Depends(readable_assessment)]
ToRecompute = Annotated[Sequence[Indicator], Depends(indicators_to_recompute)]
# What a unit may see of the assessments (None: staff see all).
AssessmentPairs = VisiblePairs
