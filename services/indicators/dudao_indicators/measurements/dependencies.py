"""Load a measurement (with its indicator) or answer 404; a unit sees only granted pairs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep

from ..access import unit_may_report
from ..models import Indicator, Measurement
from .service import MeasurementNotFound

MeasurementId = Annotated[str, Path(max_length=200, description="监测值标识")]


async def readable_measurement(
    measurement_id: MeasurementId, session: SessionDep, principal: CurrentPrincipal
) -> tuple[Measurement, Indicator]:
    m = await session.get(Measurement, measurement_id) if len(measurement_id) <= 36 else None
    if m is None or (
        principal.is_unit
        and not await unit_may_report(
            session, principal.unit_id or "", m.indicator_id, m.region_code
        )
    ):
        raise MeasurementNotFound(f"找不到监测值 {measurement_id}")
    ind = await session.get(Indicator, m.indicator_id)
    assert ind is not None
    return m, ind


ReadableMeasurement = Annotated[tuple[Measurement, Indicator], Depends(readable_measurement)]
