"""The routers of this service, in one list: the app factory mounts them authenticated."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from dudao_shared import audit_chain
from dudao_shared.app import StartupHook
from dudao_shared.http import ServiceClient

from .assignments.router import router as assignments_router
from .audit.router import router as audit_router
from .bulletins.router import router as bulletins_router
from .cascade.router import router as cascade_router
from .contacts.router import router as contacts_router
from .evaluations.router import router as evaluations_router
from .extensions.router import router as extensions_router
from .import_jobs.router import router as import_jobs_router
from .items.router import router as items_router
from .ledger.router import router as ledger_router
from .lights.router import router as lights_router
from .notifications.router import router as notifications_router
from .plan_import import service as plan_import_service
from .plan_import.router import router as plan_import_router
from .plans.router import router as plans_router
from .public_feed.router import router as public_feed_router
from .regions.router import router as regions_router
from .reminders.router import router as reminders_router
from .reports.router import router as reports_router
from .reports.storage import build_storage, get_storage
from .state import get_indicators_client, get_settings
from .subscriptions.router import internal as events_router
from .subscriptions.router import router as subscriptions_router
from .supervision.router import router as supervision_router
from .units.router import internal as units_internal_router
from .units.router import router as units_router


async def open_storage(app: FastAPI) -> None:
    get_storage.set(app, build_storage(get_settings.of(app)))


async def open_clients(app: FastAPI) -> None:
    settings = get_settings.of(app)
    get_indicators_client.set(
        app,
        ServiceClient(
            "指标服务", settings.indicators_url, timeout=settings.upstream_timeout_seconds
        ),
    )


async def close_clients(app: FastAPI) -> None:
    client = get_indicators_client.find(app)
    if client is not None:
        await client.aclose()


ROUTERS: list[APIRouter] = [
    # Routes are matched in order, one by one: the routes every unit calls in a reporting
    # week (its assignments, the status update, a task) come first. No path of theirs
    # overlaps another router's.
    assignments_router,
    items_router,
    # Before plans_router, so /plans/import is not taken for a plan id.
    plan_import_router,
    plans_router,
    lights_router,
    ledger_router,
    units_router,
    units_internal_router,
    reports_router,
    cascade_router,
    extensions_router,
    supervision_router,
    bulletins_router,
    regions_router,
    audit_router,
    evaluations_router,
    notifications_router,
    subscriptions_router,
    events_router,
    reminders_router,
    contacts_router,
    import_jobs_router,
]

# Routers that need no token (/healthz and /readyz come from the app factory).
# (/internal/v1/audit: verify and archive, behind the service credential, for the worker.)
PUBLIC_ROUTERS: list[APIRouter] = [public_feed_router, audit_chain.audit_router("tasks")]


async def start_parser(app: FastAPI) -> None:
    await plan_import_service.start_parser()


ON_STARTUP: list[StartupHook] = [open_storage, open_clients, start_parser]
ON_SHUTDOWN: list[StartupHook] = [close_clients]
