"""The skeleton every service app is built on: errors, request ids, auth, health, database."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .auth import (
    RevocationList,
    get_principal,
    get_revocations,
    get_verifier,
    start_revocation_follower,
)
from .context import AppState
from .db import Database, DatabaseDep, get_database
from .errors import ProblemDetail, install_error_handlers
from .logs import configure_logging
from .middleware import BodyLimitMiddleware, RequestIdMiddleware
from .security import InternalRoutesGuard, SecurityHeadersMiddleware
from .settings import ServiceSettings
from .tokens import TokenVerifier

log = logging.getLogger("dudao.app")

StartupHook = Callable[[FastAPI], Awaitable[None]]
ReadyCheck = Callable[[FastAPI], Awaitable[None]]

# The state every service app has, one typed dependency each (a service adds its own the same
# way in its ``dependencies`` module; the verifier and revocations are ``dudao_shared.auth``'s).
get_service_settings = AppState("settings", ServiceSettings)
ServiceSettingsDep = Annotated[ServiceSettings, Depends(get_service_settings)]


def create_service_app(
    *,
    name: str,
    title: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    public_routers: Sequence[APIRouter] = (),
    on_startup: Sequence[StartupHook] = (),
    on_shutdown: Sequence[StartupHook] = (),
    ready_checks: Sequence[ReadyCheck] = (),
    description: str = "",
    internal_prefixes: tuple[str, ...] = ("/internal/", "/openapi.json"),
    **fastapi_kwargs: Any,
) -> FastAPI:
    configure_logging(name, settings.log_level, settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = get_database.set(app, Database(settings.database_url))
        app.state.started_at = time.monotonic()
        poller = start_revocation_follower(
            settings.gateway_url,
            settings.service_token,
            get_revocations.of(app),
            settings.revocation_poll_seconds,
        )
        for hook in on_startup:
            await hook(app)
        # What import and startup made (routes, mappers, schemas: ~240k objects) lives as long
        # as the process: kept out of the collector, so a full collection walks only what
        # requests made (each took ~150 ms and came every dozen 2,000-row summaries before).
        # Collected first, so no garbage is frozen with it (a process that starts several
        # apps, as the tests do, would keep it for good).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
            await db.dispose()

    # A service's API documents are for the gateway (which merges them) and operators holding
    # the service credential; the gateway decides about its own with `public_docs`.
    fastapi_kwargs.setdefault("docs_url", None)
    fastapi_kwargs.setdefault("redoc_url", None)
    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        responses={401: {"model": ProblemDetail, "description": "未登录或凭证无效"}},
        **fastapi_kwargs,
    )
    get_service_settings.set(app, settings)
    app.state.service_name = name
    get_verifier.set(
        app,
        TokenVerifier(
            settings.jwt_public_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        ),
    )
    # A service that learns revocations from the gateway fails closed when its list is stale;
    # the gateway sets its own (kept current from its database).
    get_revocations.set(
        app,
        RevocationList(
            max_age=settings.revocation_max_age_seconds if settings.gateway_url else None
        ),
    )
    install_error_handlers(app)

    health = APIRouter(tags=["health"])

    @health.get("/healthz", summary="存活检查")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @health.get("/readyz", summary="就绪检查（数据库等依赖）")
    async def readyz(db: DatabaseDep) -> JSONResponse:
        checks: dict[str, str] = {}
        ok = True
        try:
            await asyncio.wait_for(db.ping(), timeout=2.0)
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
            log.warning("readiness: database: %s", type(exc).__name__)
            checks["database"] = "unavailable"
            ok = False
        for check in ready_checks:
            try:
                await check(app)
                checks[getattr(check, "__name__", "check")] = "ok"
            except Exception as exc:  # noqa: BLE001
                log.warning("readiness: %s: %s", getattr(check, "__name__", "check"), exc)
                checks[getattr(check, "__name__", "check")] = "unavailable"
                ok = False
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "service": name, "checks": checks},
            status_code=200 if ok else 503,
        )

    app.include_router(health)
    for r in public_routers:
        app.include_router(r)
    # Authenticated by default: every router given here requires a valid token.
    for r in routers:
        app.include_router(r, dependencies=[Depends(get_principal)])
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        InternalRoutesGuard, token=settings.service_token, prefixes=internal_prefixes
    )
    app.add_middleware(RequestIdMiddleware, log_requests=settings.log_requests)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    _summaries_from_docstrings(app)
    return app


def _summaries_from_docstrings(app: FastAPI) -> None:
    """A route's docstring's first line (Chinese) is its OpenAPI summary."""

    def walk(routes: Sequence[Any]) -> None:
        for route in routes:
            nested = getattr(route, "original_router", None)  # an included router
            if nested is not None:
                walk(nested.routes)
            elif isinstance(route, APIRoute) and not route.summary and route.endpoint.__doc__:
                route.summary = route.endpoint.__doc__.strip().splitlines()[0]

    walk(app.routes)
