"""Who reads an indicator's audit trail: staff who may read the indicator (404 otherwise; a
unit token never, as the trail names other units' values)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import Staff

from ..indicators.dependencies import ReadableIndicator
from ..models import Indicator


async def audited_indicator(_: Staff, ind: ReadableIndicator) -> Indicator:
    return ind


AuditedIndicator = Annotated[Indicator, Depends(audited_indicator)]
