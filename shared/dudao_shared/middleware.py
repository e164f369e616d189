"""Pure-ASGI request-id middleware: cheap enough for the gateway's hot path."""

from __future__ import annotations

import re
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import request_id_var

REQUEST_ID_HEADER = b"x-request-id"
# An incoming id is echoed into logs and headers, so only a safe shape is accepted.
_SAFE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


def request_id_from_scope(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER and _SAFE_ID.match(value):
            return value.decode()
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_from_scope(scope)
        token = request_id_var.set(rid)
        structlog.contextvars.bind_contextvars(request_id=rid)
        encoded = rid.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, encoded))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
            structlog.contextvars.unbind_contextvars("request_id")
