"""Plans belong to the task service: this service asks it, over HTTP, which region a plan is in."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI

from dudao_shared.context import AppState
from dudao_shared.errors import NotFound
from dudao_shared.http import ServiceClient, UpstreamProblem

from .config import Settings


class PlanNotFound(NotFound):
    code, title = "plan_not_found", "规划不存在"


get_tasks_client = AppState("tasks_client", ServiceClient)
get_settings = AppState("settings", Settings)


async def open_tasks_client(app: FastAPI) -> None:
    settings = get_settings.of(app)
    get_tasks_client.set(
        app,
        ServiceClient(
            "任务服务",
            settings.tasks_url,
            timeout=settings.upstream_timeout_seconds,
            service_token=settings.service_token,
        ),
    )


async def close_tasks_client(app: FastAPI) -> None:
    await get_tasks_client.of(app).aclose()


TasksClient = Annotated[ServiceClient, Depends(get_tasks_client)]


async def plan_region(client: ServiceClient, plan_id: str) -> str:
    """The region of a plan as the task service records it, read with the caller's token (so a
    plan the caller may not see there does not exist here either)."""
    if not plan_id:
        # An empty id would ask the task service for its plan list, not for a plan.
        raise PlanNotFound("找不到规划（未指定）")
    try:
        plan = await client.get_json(f"/api/v1/plans/{quote(plan_id, safe='')}")
    except UpstreamProblem as exc:
        if exc.status == 404:
            raise PlanNotFound(f"找不到规划 {plan_id}") from None
        raise
    return str(plan["region_code"])


async def unit_region(client: ServiceClient, unit_id: str) -> str | None:
    """The region of a unit as the task service records it, whatever the caller's region (so
    a unit elsewhere is refused as out of region, not as unknown); None: no such unit."""
    if not unit_id:
        return None
    try:
        unit = await client.get_json(f"/internal/v1/units/{quote(unit_id, safe='')}")
    except UpstreamProblem as exc:
        if exc.status in (404, 422):
            return None
        raise
    return str(unit["region_code"])


async def plan_years(client: ServiceClient, plan_id: str) -> tuple[int | None, int | None]:
    """The plan's first and last year as the task service records them; (None, None) when the
    caller may not read the plan there (a unit granted an indicator need not work on its
    tasks) or the plan states no years."""
    try:
        plan = await client.get_json(f"/api/v1/plans/{quote(plan_id, safe='')}")
    except UpstreamProblem as exc:
        if exc.status in (403, 404):
            return None, None
        raise
    start, end = plan.get("period_start"), plan.get("period_end")
    return (int(start) if start is not None else None, int(end) if end is not None else None)


async def region_name(client: ServiceClient, code: str) -> str:
    """A region's name as the task service's region list has it (the code when it has none)."""
    try:
        region = await client.get_json(f"/api/v1/regions/{quote(code, safe='')}")
    except UpstreamProblem as exc:
        if exc.status == 404:
            return code
        raise
    return str(region["name"])
