"""Who may manage unit tokens, the token a path names and the unit a body names — each
authorised here, before any route runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import Principal, require_roles
from dudao_shared.db import SessionDep
from dudao_shared.errors import ValidationFailed
from dudao_shared.http import UpstreamProblem
from dudao_shared.regions import require_region

from ..dependencies import TasksClientDep
from ..models import UnitToken
from . import service
from .schemas import UnitRef, UnitTokenCreate

TokenIssuer = Annotated[Principal, Depends(require_roles("admin", "planner"))]


async def get_visible_unit_token(
    token_id: str, principal: TokenIssuer, session: SessionDep
) -> UnitToken:
    return await service.get_visible(session, token_id=token_id, principal=principal)


VisibleUnitToken = Annotated[UnitToken, Depends(get_visible_unit_token)]


async def get_issuable_unit(
    body: UnitTokenCreate, principal: TokenIssuer, tasks: TasksClientDep
) -> UnitRef:
    """The unit the body names, read from the task service as the caller, and inside the
    caller's region (403 ``region_forbidden`` otherwise, as the task service answers)."""
    try:
        unit = UnitRef.model_validate(await tasks.get_json(f"/api/v1/units/{body.unit_id}"))
    except UpstreamProblem as exc:
        if exc.status == 404:
            raise ValidationFailed(
                "单位不存在", errors=[{"field": "unit_id", "message": "任务服务中没有此单位"}]
            ) from None
        raise
    require_region(principal, unit.region_code)
    return unit


IssuableUnit = Annotated[UnitRef, Depends(get_issuable_unit)]
