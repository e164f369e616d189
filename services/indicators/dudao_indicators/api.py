"""The routers of this service, in one list: the app factory mounts them authenticated."""

from __future__ import annotations

from fastapi import APIRouter

from dudao_shared.app import StartupHook
from dudao_shared.audit_chain import audit_router

from .assessments.router import router as assessments
from .audit.router import router as audit
from .grants.router import router as grants
from .indicators.router import router as indicators
from .measurements.router import router as measurements
from .plans import close_tasks_client, open_tasks_client
from .public_feed.router import router as public_feed
from .reports.router import rollups, scorecards, series_router, tables
from .targets.router import router as targets

ROUTERS: list[APIRouter] = [
    indicators,
    targets,
    measurements,
    assessments,
    scorecards,
    rollups,
    series_router,
    grants,
    tables,
    audit,
]
# Routers that need no token (/healthz and /readyz come from the app factory).
# (/internal/v1/audit: verify and archive, behind the service credential, for the worker.)
PUBLIC_ROUTERS: list[APIRouter] = [public_feed, audit_router("indicators")]
ON_STARTUP: list[StartupHook] = [open_tasks_client]
ON_SHUTDOWN: list[StartupHook] = [close_tasks_client]
