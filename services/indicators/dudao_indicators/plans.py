"""Plans belong to the task service: this service asks it, over HTTP, which region a plan is in."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Annotated, Any
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


class _RecentRegions:
    """plan id → region, each entry for ``ttl`` seconds, the ``size`` most recent kept."""

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl, self.size = ttl, size
        self._rows: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def get(self, plan_id: str) -> str | None:
        hit = self._rows.get(plan_id)
        if hit is None:
            return None
        if hit[1] <= time.monotonic():
            del self._rows[plan_id]
            return None
        return hit[0]

    def put(self, plan_id: str, region: str) -> None:
        self._rows[plan_id] = (region, time.monotonic() + self.ttl)
        self._rows.move_to_end(plan_id)
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def clear(self) -> None:
        self._rows.clear()


# A read of a plan's scorecard, roll-up or tables asked the task service for the plan on every
# request: most of such a request's time. Staff read a plan when its region lies in theirs
# (the task service's rule too, ``plans_reached``), so plan id → region is all the check
# needs, and it is kept here for a few seconds. A plan's region can change (PATCH) and a plan
# can be deleted, so an entry may be stale: for at most ``ttl`` seconds a read is decided by
# the region the plan had — the same answer a request racing the change gets, given only to
# staff who could read the plan a moment before; the indicators keep their own region anyway.
# Only reads use it: a write (``body_plan_region``) always asks, and only found plans are kept
# (a plan just created, or one the caller may not see, is asked about each time). Per process,
# and never needed by another replica.
RECENT_PLAN_REGIONS = _RecentRegions(ttl=5.0, size=4096)


async def readable_plan_region(client: ServiceClient, plan_id: str) -> str:
    """:func:`plan_region` for a read, from the last few seconds' answers when it has one."""
    region = RECENT_PLAN_REGIONS.get(plan_id)
    if region is None:
        region = await plan_region(client, plan_id)
        RECENT_PLAN_REGIONS.put(plan_id, region)
    return region


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


async def _all_pages(client: ServiceClient, path: str, params: dict[str, str]) -> list[Any]:
    items: list[Any] = []
    cursor: str | None = None
    while True:
        page = await client.get_json(
            path, params={**params, "limit": "500", **({"cursor": cursor} if cursor else {})}
        )
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def child_regions(client: ServiceClient, code: str) -> list[tuple[str, str]]:
    """The regions one level below ``code`` (code, name), as the task service lists them."""
    try:
        rows = await _all_pages(client, f"/api/v1/regions/{quote(code, safe='')}/children", {})
    except UpstreamProblem as exc:
        if exc.status in (404, 422):
            return []
        raise
    return [(str(r["code"]), str(r["name"])) for r in rows]


async def child_plans(client: ServiceClient, plan_id: str) -> list[tuple[str, str]]:
    """The plans under ``plan_id`` the caller may see there (id, region), with the caller's
    token: a plan hidden from them in the task service is not rolled up for them here."""
    try:
        rows = await _all_pages(client, "/api/v1/plans", {"parent_plan_id": plan_id})
    except UpstreamProblem as exc:
        if exc.status in (404, 422):
            return []
        raise
    return [(str(p["id"]), str(p["region_code"])) for p in rows]
