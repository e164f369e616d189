"""Load a measurement (with its indicator) or answer 404; a unit sees only granted pairs.
Reporting needs a grant (units) or the plan's region (planners); approving needs the region."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.auth import CurrentPrincipal, Principal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import Forbidden, ValidationFailed
from dudao_shared.regions import contains

from ..indicators.dependencies import (
    ReadableIndicatorInQuery,
    VisiblePairs,
    load_readable,
    require_region,
    unit_may_report,
)
from ..indicators.dependencies import (
    SheetPlan as SheetPlan,
)
from ..models import Indicator, Measurement
from .schemas import MeasurementCreate
from .service import MeasurementNotFound

MeasurementId = Annotated[str, Path(max_length=200, description="监测值标识")]
Loaded = tuple[Measurement, Indicator]


async def authorize_report(
    session: AsyncSession, principal: Principal, indicator: Indicator, region_code: str
) -> None:
    if principal.is_unit:
        if not await unit_may_report(session, principal.unit_id or "", indicator.id, region_code):
            raise Forbidden(
                f"本单位未被指定填报该指标在 {region_code} 的数据",
                code="not_granted",
                title="未获授权填报",
            )
        return
    if principal.role == "leader":
        raise Forbidden("领导角色只能查看", code="role_forbidden")
    require_region(principal, indicator.region_code)


async def readable_measurement(
    measurement_id: MeasurementId, session: SessionDep, principal: CurrentPrincipal
) -> Loaded:
    m = await session.get(Measurement, measurement_id) if len(measurement_id) <= 36 else None
    if m is None or (
        principal.is_unit
        and not await unit_may_report(
            session, principal.unit_id or "", m.indicator_id, m.region_code
        )
    ):
        raise MeasurementNotFound(f"找不到监测值 {measurement_id}")
    ind = await session.get(Indicator, m.indicator_id)
    if ind is None:
        raise MeasurementNotFound(f"找不到监测值 {measurement_id}")
    return m, ind


async def reportable_measurement(
    loaded: Annotated[Loaded, Depends(readable_measurement)],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> Loaded:
    await authorize_report(session, principal, loaded[1], loaded[0].region_code)
    return loaded


async def approvable_measurement(
    loaded: Annotated[Loaded, Depends(readable_measurement)], principal: StaffWriter
) -> Loaded:
    require_region(principal, loaded[1].region_code)
    return loaded


async def new_measurement(
    data: MeasurementCreate, session: SessionDep, principal: CurrentPrincipal
) -> tuple[MeasurementCreate, Indicator]:
    """The indicator and region a new value names in its body: the indicator must be visible,
    the caller allowed to report that region, and the region inside the plan's."""
    ind = await load_readable(session, principal, data.indicator_id)
    await authorize_report(session, principal, ind, data.region_code)
    if not contains(ind.region_code, data.region_code) and not principal.is_admin:
        raise ValidationFailed(
            f"区划 {data.region_code} 不在该规划的范围 {ind.region_code} 内",
            errors=[
                {
                    "field": "region_code",
                    "message": f"区划 {data.region_code} 不在该规划的范围 {ind.region_code} 内",
                }
            ],
        )
    return data, ind


ReadableMeasurement = Annotated[Loaded, Depends(readable_measurement)]
ReportableMeasurement = Annotated[Loaded, Depends(reportable_measurement)]
ApprovableMeasurement = Annotated[Loaded, Depends(approvable_measurement)]
NewMeasurement = Annotated[tuple[MeasurementCreate, Indicator], Depends(new_measurement)]
# What a unit may see of the measurements (None: staff see all).
MeasurementPairs = VisiblePairs
# The indicator whose latest values are asked for (``?indicator_id=``).
LatestIndicator = ReadableIndicatorInQuery


async def reporter(principal: CurrentPrincipal) -> Principal:
    """Who may import values: units (by their grants) and planners, not leaders."""
    if principal.role == "leader":
        raise Forbidden("领导角色只能查看", code="role_forbidden")
    return principal


Reporter = Annotated[Principal, Depends(reporter)]
