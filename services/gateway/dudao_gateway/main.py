"""The gateway: its own FastAPI app for sign-in and accounts, and the bare ASGI forwarder
in front of it for everything a service owns."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, cast

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dudao_shared.app import create_service_app
from dudao_shared.audit_chain import audit_router
from dudao_shared.auth import get_revocations, get_verifier
from dudao_shared.db import get_database
from dudao_shared.http import ServiceClient
from dudao_shared.security import SecurityHeadersMiddleware
from dudao_shared.tokens import TokenSigner

from .config import Settings
from .denials import DenialRecorder
from .dependencies import get_revocation_hub, get_signer, get_tasks_client
from .proxy.forwarder import Forwarder
from .proxy.openapi import CombinedOpenAPI
from .proxy.routes import route_table
from .public_feed.feed import PublicFeed
from .public_feed.ratelimit import RateLimiter
from .revocation import RevocationHub, active_revocations, follow_database
from .security_events.router import internal as audit_breaks_router
from .security_events.router import router as security_events_router
from .sessions.dependencies import get_providers
from .sessions.external import Providers
from .sessions.router import public as sessions_public
from .sessions.router import router as sessions_router
from .unit_tokens.router import router as unit_tokens_router
from .users.router import router as users_router
from .webapp import install_docs, install_webapp

DESCRIPTION = """督导平台统一入口。先用 `POST /api/v1/auth/login` 登录（或在右上角 Authorize 中填写账号），
单位经办人用单位令牌调用 `POST /api/v1/auth/unit_token` 换取访问令牌。"""


CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "Idempotency-Key",
    "X-Request-ID",
]
CORS_EXPOSED_HEADERS = ["ETag", "Location", "Retry-After", "X-Request-ID", "Content-Disposition"]


class Gateway:
    """Outer ASGI app: proxied paths go straight to the forwarder, the rest to FastAPI."""

    def __init__(
        self, api: FastAPI, forwarder: Forwarder, settings: Settings, feed: PublicFeed
    ) -> None:
        self.api = api
        self.forwarder = forwarder
        self.feed = feed
        # Around both halves: the client's address from trusted proxies only, CORS for the
        # allowlisted origins (preflights answered before any token check), security headers
        # on every answer, the forwarder's own problems included.
        entry: ASGIApp = SecurityHeadersMiddleware(self._dispatch)
        # The public feed answers its own preflights from its own allowlist (portals), so it
        # is not behind the console's CORS allowlist.
        self._public_entry = cast(
            ASGIApp,
            ProxyHeadersMiddleware(cast(Any, entry), trusted_hosts=list(settings.trusted_proxies)),
        )
        if settings.cors_origins:
            entry = CORSMiddleware(
                entry,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=CORS_REQUEST_HEADERS,
                expose_headers=CORS_EXPOSED_HEADERS,
                max_age=600,
            )
        # uvicorn types its middleware with its own ASGI types; the shapes are the same.
        self._entry = cast(
            ASGIApp,
            ProxyHeadersMiddleware(cast(Any, entry), trusted_hosts=list(settings.trusted_proxies)),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.feed.match(scope["path"]):
            await self._public_entry(scope, receive, send)
            return
        await self._entry(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            upstream = self.forwarder.match(scope["path"])
            if upstream is not None:
                await self.forwarder(upstream, scope, receive, send)
                return
            if self.feed.match(scope["path"]):
                await self.feed(scope, receive, send)
                return
        await self.api(scope, receive, send)


def create_app(settings: Settings | None = None) -> Gateway:
    settings = settings or Settings()
    routes = route_table(settings.tasks_url, settings.indicators_url)
    upstreams = list({u.name: u for u in routes.values()}.values())
    combined = CombinedOpenAPI(upstreams, service_token=settings.service_token)
    revocation_sync: asyncio.Task[None] | None = None

    async def start(app: FastAPI) -> None:
        nonlocal revocation_sync
        await forwarder.start()
        get_tasks_client.set(
            app,
            ServiceClient(
                "任务服务",
                settings.tasks_url,
                timeout=settings.upstream_timeout_seconds,
                connect_timeout=settings.upstream_connect_timeout_seconds,
            ),
        )
        db = get_database.of(app)
        async with db.sessionmaker() as session:
            revocations.merge(
                await active_revocations(
                    session, access_token_ttl_seconds=settings.access_token_ttl_seconds
                )
            )
        revocation_sync = asyncio.get_running_loop().create_task(
            follow_database(
                settings.database_url,
                # Its own sessions on the engine: never a request's transaction.
                lambda: AsyncSession(db.engine),
                hub,
                access_token_ttl_seconds=settings.access_token_ttl_seconds,
                interval=settings.revocation_poll_seconds,
            )
        )

    async def stop(app: FastAPI) -> None:
        hub.close()
        if revocation_sync is not None:
            revocation_sync.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await revocation_sync
        await get_tasks_client.of(app).aclose()
        await forwarder.stop()

    async def upstreams_ready(app: FastAPI) -> None:
        assert forwarder.session is not None
        for u in upstreams:
            async with forwarder.session.get(u.base_url + "/readyz") as r:
                if r.status != 200:
                    raise RuntimeError(f"{u.name} not ready")

    docs = APIRouter(tags=["docs"])

    @docs.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        assert forwarder.session is not None
        return JSONResponse(await combined.document(api.openapi(), forwarder.session))

    api = create_service_app(
        name="gateway",
        title="督导平台 API",
        description=DESCRIPTION,
        settings=settings,
        routers=[sessions_router, users_router, unit_tokens_router, security_events_router],
        # The /internal guard admits only the service credential to these.
        public_routers=[sessions_public, docs, audit_breaks_router, audit_router("gateway")],
        on_startup=[start],
        on_shutdown=[stop],
        ready_checks=[upstreams_ready],
        # Without `public_docs` the combined document and its page need the service credential.
        internal_prefixes=("/internal/",)
        if settings.public_docs
        else ("/internal/", "/openapi.json", "/docs"),
        # The combined document and its docs page replace FastAPI's own.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(api)
    install_webapp(api, settings.web_dist_dir)
    get_signer.set(
        api,
        TokenSigner(
            settings.jwt_private_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        ),
    )
    get_providers.set(api, Providers.from_settings(settings))
    revocations = get_revocations.of(api)
    # The gateway's list fails closed too: current while its database confirms it.
    revocations.max_age = settings.revocation_max_age_seconds
    hub = get_revocation_hub.set(
        api, RevocationHub(revocations, heartbeat=min(settings.revocation_poll_seconds, 2.0))
    )
    denials = DenialRecorder(lambda: get_database.of(api).engine)
    forwarder = Forwarder(
        routes,
        verifier=get_verifier.of(api),
        revocations=revocations,
        timeout=settings.upstream_timeout_seconds,
        connect_timeout=settings.upstream_connect_timeout_seconds,
        max_connections=settings.upstream_max_connections,
        buffer_body_bytes=settings.buffer_body_bytes,
        log_requests=settings.log_requests,
        max_body_bytes=settings.max_body_bytes,
        on_denied=denials.observe,
    )
    limiter: list[RateLimiter] = []

    def rate_limiter() -> RateLimiter:
        if not limiter:
            limiter.append(
                RateLimiter(
                    get_database.of(api).engine,
                    limit=settings.public_rate_limit,
                    window_seconds=settings.public_rate_window_seconds,
                )
            )
        return limiter[0]

    feed = PublicFeed(
        tasks=routes["plans"],
        indicators=routes["indicators"],
        session=lambda: forwarder.session,
        limiter=rate_limiter,
        cors_origins=settings.public_cors_origins,
        cache_seconds=settings.public_cache_seconds,
    )
    return Gateway(api, forwarder, settings, feed)
