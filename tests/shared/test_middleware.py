"""Request ids and the body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request

from dudao_shared.errors import install_error_handlers
from dudao_shared.middleware import BodyLimitMiddleware, RequestIdMiddleware, request_id_from_scope


def test_request_id_is_taken_only_in_a_safe_shape() -> None:
    assert request_id_from_scope({"headers": [(b"x-request-id", b"abc-123:x.y")]}) == "abc-123:x.y"
    for unsafe in (b"", b"a b", b"x" * 129, b"<script>", "请求".encode()):
        rid = request_id_from_scope({"headers": [(b"x-request-id", unsafe)]})
        assert rid != unsafe.decode(errors="replace") and len(rid) == 32


async def test_request_id_comes_back_once() -> None:
    app = FastAPI()
    app.add_middleware(RequestIdMiddleware, log_requests=False)

    @app.get("/")
    async def index() -> dict[str, str]:
        return {}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/", headers={"X-Request-ID": "rid-1"})
        assert r.headers.get_list("x-request-id") == ["rid-1"]


async def test_body_limit_refuses_large_bodies_as_they_arrive() -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=10)

    @app.post("/")
    async def echo(request: Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post("/", content=b"12345")).json() == {"n": 5}
        r = await c.post("/", content=b"x" * 11)
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while streaming
            for _ in range(4):
                yield b"xxxxx"

        r = await c.post("/", content=chunks())
        assert r.status_code == 413
