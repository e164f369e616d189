"""Units live in the task service; the gateway reads the one a request names (as the caller,
so the task service's own visibility applies) when it records it on an account or a token."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from dudao_shared.errors import ValidationFailed
from dudao_shared.http import ServiceClient, UpstreamProblem

# Goes into the task service's URL and into access tokens' unit claim: a UUID and nothing else.
UNIT_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class UnitRef(BaseModel):
    """The unit as the task service describes it (only what the gateway records)."""

    model_config = ConfigDict(extra="ignore")
    id: str
    name: str = ""
    region_code: str | None = None


async def read_unit(tasks: ServiceClient, unit_id: str, *, field: str = "unit_id") -> UnitRef:
    """The unit, or 422 naming ``field`` when the task service has no such unit (for the
    caller)."""
    try:
        return UnitRef.model_validate(await tasks.get_json(f"/api/v1/units/{unit_id}"))
    except UpstreamProblem as exc:
        if exc.status == 404:
            raise ValidationFailed(
                "单位不存在", errors=[{"field": field, "message": "任务服务中没有此单位"}]
            ) from None
        raise
