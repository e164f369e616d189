"""Which service owns which resource: the first path segment after /api/v1 decides."""

from __future__ import annotations

from .forwarder import Upstream

TASKS_RESOURCES = (
    "plans",
    "items",
    "tasks",
    "units",
    "assignments",
    "reports",
    "files",
    "regions",
    "evaluations",
    "audit_events",
    "extension_requests",
    "supervision_notices",
    "notice_responses",
    "notice_files",
    "bulletins",
    "notices",
    "reminders",
    "contacts",
    "subscriptions",
    "import_jobs",
)
INDICATORS_RESOURCES = (
    "indicators",
    "targets",
    "measurements",
    "assessments",
    "scorecards",
    "rollups",
    "series",
    "indicator_grants",
    "indicator_tables",
    "indicator_import_jobs",
)


def route_table(tasks_url: str, indicators_url: str) -> dict[str, Upstream]:
    tasks = Upstream("tasks", tasks_url.rstrip("/"))
    indicators = Upstream("indicators", indicators_url.rstrip("/"))
    table = {seg: tasks for seg in TASKS_RESOURCES}
    table.update({seg: indicators for seg in INDICATORS_RESOURCES})
    return table
