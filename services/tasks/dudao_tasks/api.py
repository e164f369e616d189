"""The routers of this service, in one list: the app factory mounts them authenticated."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from dudao_shared.app import StartupHook
from dudao_shared.http import ServiceClient

from .assignments.router import router as assignments_router
from .audit.router import router as audit_router
from .items.router import router as items_router
from .items.tasks_router import router as tasks_router
from .plan_import import service as plan_import_service
from .plan_import.router import router as plan_import_router
from .plans.router import router as plans_router
from .regions.router import router as regions_router
from .reports.router import files_router
from .reports.router import router as reports_router
from .reports.storage import build_storage
from .units.lights_router import router as unit_lights_router
from .units.router import router as units_router


async def open_storage(app: FastAPI) -> None:
    app.state.storage = build_storage(app.state.settings)


async def open_clients(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.indicators_client = ServiceClient(
        "指标服务", settings.indicators_url, timeout=settings.upstream_timeout_seconds
    )


async def close_clients(app: FastAPI) -> None:
    await app.state.indicators_client.aclose()


ROUTERS: list[APIRouter] = [
    # Before plans_router, so /plans/import is not taken for a plan id.
    plan_import_router,
    plans_router,
    items_router,
    tasks_router,
    units_router,
    unit_lights_router,
    assignments_router,
    reports_router,
    files_router,
    regions_router,
    audit_router,
]

# Routers that need no token (none yet; /healthz and /readyz come from the app factory).
PUBLIC_ROUTERS: list[APIRouter] = []
async def start_parser(app: FastAPI) -> None:
    await plan_import_service.start_parser()


ON_STARTUP: list[StartupHook] = [open_storage, open_clients, start_parser]
ON_SHUTDOWN: list[StartupHook] = [close_clients]
