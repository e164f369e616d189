"""Pure-ASGI request-id middleware: cheap enough for the gateway's hot path."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import request_id_var
from .errors import PayloadTooLarge, problem_response

REQUEST_ID_HEADER = b"x-request-id"
# An incoming id is echoed into logs and headers, so only a safe shape is accepted.
SAFE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


def request_id_from_scope(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == REQUEST_ID_HEADER and SAFE_REQUEST_ID.match(value):
            return value.decode()
    return uuid.uuid4().hex


_log = structlog.get_logger("dudao.request")
# Probes and the services' revocation polls would drown the request log.
_QUIET_PREFIXES = ("/healthz", "/readyz", "/internal/")


class RequestIdMiddleware:
    """Takes or makes the request id, returns it, and logs one line per request with it."""

    def __init__(self, app: ASGIApp, *, log_requests: bool = True) -> None:
        self.app = app
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_from_scope(scope)
        token = request_id_var.set(rid)
        structlog.contextvars.bind_contextvars(request_id=rid)
        encoded = rid.encode()
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0] != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, encoded))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.log_requests and not scope["path"].startswith(_QUIET_PREFIXES):
                _log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 2),
                )
            request_id_var.reset(token)
            structlog.contextvars.unbind_contextvars("request_id")


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` while they arrive (413 problem+json).

    Starlette spools a multipart upload to disk before any route sees it, so a size check in
    the route comes after the disk is already filled; this one comes first.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(send)
                    return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # A Problem: the app's one error handler turns it into the 413 response.
                    raise PayloadTooLarge(self._detail())
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except PayloadTooLarge:
            if not response_started:
                await self._refuse(send)

    def _detail(self) -> str:
        return f"请求内容超过 {max(1, self.max_bytes // (1024 * 1024))} MB 上限"

    async def _refuse(self, send: Send) -> None:
        response = problem_response(PayloadTooLarge(self._detail()))
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
