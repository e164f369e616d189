"""App factory of the indicators service."""

from __future__ import annotations

from fastapi import FastAPI

from dudao_shared.app import create_service_app

from . import audit_trail as audit_trail  # registers the audit trail on every session
from .api import ON_SHUTDOWN, ON_STARTUP, PUBLIC_ROUTERS, ROUTERS
from .config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        name="indicators",
        title="督导 指标服务 (indicators)",
        settings=settings,
        routers=ROUTERS,
        public_routers=PUBLIC_ROUTERS,
        on_startup=ON_STARTUP,
        on_shutdown=ON_SHUTDOWN,
    )
