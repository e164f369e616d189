"""The gateway: its own FastAPI app for sign-in and accounts, and the bare ASGI forwarder
in front of it for everything a service owns."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Receive, Scope, Send

from dudao_shared.app import create_service_app
from dudao_shared.http import ServiceClient
from dudao_shared.tokens import TokenSigner

from .accounts import service as accounts
from .accounts.router import public as auth_public
from .accounts.router import router as accounts_router
from .config import Settings
from .proxy.forwarder import Forwarder
from .proxy.openapi import CombinedOpenAPI
from .proxy.routes import route_table
from .webapp import install_docs, install_webapp

DESCRIPTION = """督导平台统一入口。先用 `POST /api/v1/auth/login` 登录（或在右上角 Authorize 中填写账号），
单位经办人用单位令牌调用 `POST /api/v1/auth/unit_token` 换取访问令牌。"""


class Gateway:
    """Outer ASGI app: proxied paths go straight to the forwarder, the rest to FastAPI."""

    def __init__(self, api: FastAPI, forwarder: Forwarder) -> None:
        self.api = api
        self.forwarder = forwarder
        # Exposed so tests and tools can reach state the way they would on a FastAPI app.
        self.state = api.state
        self.router = api.router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            upstream = self.forwarder.match(scope["path"])
            if upstream is not None:
                await self.forwarder(upstream, scope, receive, send)
                return
        await self.api(scope, receive, send)


def create_app(settings: Settings | None = None) -> Gateway:
    settings = settings or Settings()
    routes = route_table(settings.tasks_url, settings.indicators_url)
    upstreams = list({u.name: u for u in routes.values()}.values())
    combined = CombinedOpenAPI(upstreams)

    async def start(app: FastAPI) -> None:
        await forwarder.start()
        app.state.tasks_client = ServiceClient(
            "任务服务", settings.tasks_url, timeout=settings.upstream_timeout_seconds,
            connect_timeout=settings.upstream_connect_timeout_seconds,
        )
        async with app.state.db.sessionmaker() as session:
            app.state.revocations.merge(
                await accounts.active_revocations(session, settings=settings)
            )
        app.state.revocation_sync = asyncio.get_running_loop().create_task(_sync_revocations(app))

    async def stop(app: FastAPI) -> None:
        app.state.revocation_sync.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app.state.revocation_sync
        await app.state.tasks_client.aclose()
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
        routers=[accounts_router],
        public_routers=[auth_public, docs],
        on_startup=[start],
        on_shutdown=[stop],
        ready_checks=[upstreams_ready],
        # The combined document and its docs page replace FastAPI's own.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(api)
    install_webapp(api, settings.web_dist_dir)
    api.state.signer = TokenSigner(
        settings.jwt_private_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    forwarder = Forwarder(
        routes,
        verifier=api.state.verifier,
        revocations=api.state.revocations,
        timeout=settings.upstream_timeout_seconds,
        connect_timeout=settings.upstream_connect_timeout_seconds,
        max_connections=settings.upstream_max_connections,
        buffer_body_bytes=settings.buffer_body_bytes,
        log_requests=settings.log_requests,
    )
    return Gateway(api, forwarder)


async def _sync_revocations(app: FastAPI) -> None:
    """Other gateway replicas revoke too; the database is the shared truth."""
    settings: Settings = app.state.settings
    while True:
        await asyncio.sleep(settings.revocation_poll_seconds)
        with contextlib.suppress(Exception):
            # Its own session on the engine: background work never joins a request's transaction.
            async with AsyncSession(app.state.db.engine) as session:
                current: dict[str, Any] = await accounts.active_revocations(session, settings=settings)
            app.state.revocations.merge(current)
