"""The hot path: a bare ASGI forwarder on aiohttp.

Measured on the project machine (perf-limits.md §4), a FastAPI route forwarding with httpx
reaches ~6% of the direct rate, aiohttp in a FastAPI route ~26%, a bare ASGI forwarder with
aiohttp ~68%. So proxied requests never enter FastAPI: the route table, the client session and
the verifier are built once; per request we only match a dict, check the token (cached) and
stream bytes both ways.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import structlog
from starlette.types import Message, Receive, Scope, Send

from dudao_shared.auth import RevocationList, bearer_token, verified_claims
from dudao_shared.breaker import Breakers
from dudao_shared.errors import (
    BadGateway,
    GatewayTimeout,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    Unauthorized,
)
from dudao_shared.middleware import SAFE_REQUEST_ID
from dudao_shared.tokens import TokenVerifier

log = logging.getLogger("dudao.gateway.proxy")
request_log = structlog.get_logger("dudao.request")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
    }
)
RESPONSE_SKIP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "x-request-id", "server", "date"}
)
NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ClientGone(Exception):
    """Our caller disconnected while sending the body: nothing to answer, not the peer's fault."""


@dataclass(frozen=True, slots=True)
class Upstream:
    name: str
    base_url: str


def problem_message(problem: Problem, request_id: bytes) -> tuple[Message, Message]:
    body = json.dumps(problem.to_dict(), ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in problem.headers.items()]
    return (
        {"type": "http.response.start", "status": problem.status, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


class Forwarder:
    def __init__(
        self,
        routes: dict[str, Upstream],
        *,
        verifier: TokenVerifier,
        revocations: RevocationList,
        timeout: float,
        connect_timeout: float,
        max_connections: int,
        buffer_body_bytes: int,
        log_requests: bool = True,
        breakers: Breakers | None = None,
        max_body_bytes: int = 25 * 1024 * 1024,
        on_denied: Callable[[Scope, int, str | None], None] | None = None,
    ) -> None:
        self.on_denied = on_denied
        self.log_requests = log_requests
        self.breakers = breakers or Breakers()
        self.max_body_bytes = max_body_bytes
        self.routes = routes
        self.verifier = verifier
        self.revocations = revocations
        self.timeout = aiohttp.ClientTimeout(
            total=None, connect=connect_timeout, sock_connect=connect_timeout, sock_read=timeout
        )
        self.max_connections = max_connections
        self.buffer_body_bytes = buffer_body_bytes
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self.max_connections,
            limit_per_host=self.max_connections,
            keepalive_timeout=30,
            ttl_dns_cache=300,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=self.timeout,
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
        )

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()

    def match(self, path: str) -> Upstream | None:
        if not path.startswith("/api/v1/"):
            return None
        seg = path[8:].split("/", 1)[0]
        # "/api/v1/indicator_tables/x.xlsx" style paths: the segment is the resource name.
        return self.routes.get(seg)

    def _authorise(self, headers: list[tuple[bytes, bytes]]) -> Problem | None:
        """The services' own claims check (``dudao_shared.auth``), run at the edge so a token
        they would refuse never costs an upstream request."""
        authorization = None
        for k, v in headers:
            if k == b"authorization":
                authorization = v.decode("latin-1")
                break
        try:
            verified_claims(bearer_token(authorization), self.verifier, self.revocations)
        except Unauthorized as problem:
            return problem
        return None

    async def __call__(
        self, upstream: Upstream, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if not self.log_requests and self.on_denied is None:
            await self._forward(upstream, scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._forward(upstream, scope, receive, send_logged)
        finally:
            if self.on_denied is not None:
                self.on_denied(scope, status, self._rid_of(scope))
            if self.log_requests:
                request_log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    upstream=upstream.name,
                    request_id=self._rid_of(scope),
                    ms=round((time.perf_counter() - started) * 1000, 2),
                )

    @staticmethod
    def _rid_of(scope: Scope) -> str | None:
        rid: str | None = scope.get("state", {}).get("request_id")
        return rid

    async def _forward(
        self, upstream: Upstream, scope: Scope, receive: Receive, send: Send
    ) -> None:
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        rid = b""
        content_length: int | None = None
        chunked = False
        fwd: list[tuple[str, str]] = []
        for k, v in headers:
            if k == b"x-request-id":
                if SAFE_REQUEST_ID.match(v):
                    rid = v
            elif k == b"content-length":
                try:
                    content_length = int(v)
                except ValueError:
                    content_length = None
            elif k == b"transfer-encoding":
                chunked = True
            if k not in HOP_BY_HOP:
                fwd.append((k.decode("latin-1"), v.decode("latin-1")))
        if not rid:
            rid = uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = rid.decode()

        problem = self._authorise(headers)
        if problem is not None:
            await self._send_problem(send, problem, rid)
            return

        client = scope.get("client")
        fwd.append(("x-request-id", rid.decode()))
        fwd.append(("x-forwarded-for", client[0] if client else ""))
        fwd.append(("x-forwarded-proto", scope.get("scheme", "http")))

        method: str = scope["method"]
        data: bytes | object | None = None
        if content_length is not None and content_length > self.max_body_bytes:
            # Refused here, before a byte goes upstream (the service would cut the
            # connection, which the caller would see as a broken request).
            await self._send_problem(send, self._too_large(), rid)
            return
        if content_length is not None and content_length <= self.buffer_body_bytes:
            try:
                data = await self._read_body(receive)
            except ClientGone:
                return
            fwd.append(("content-length", str(len(data))))
        elif content_length is not None or chunked:
            data = self._stream_body(receive, self.max_body_bytes, self._too_large)
        elif method not in NO_BODY_METHODS:
            data = b""
            fwd.append(("content-length", "0"))

        query = scope.get("query_string", b"")
        url = (
            upstream.base_url + scope["raw_path"].decode("latin-1")
            if scope.get("raw_path")
            else upstream.base_url + scope["path"]
        )
        if query:
            url += "?" + query.decode("latin-1")

        assert self.session is not None
        try:
            # The circuit counts only whether the service answered; an open one costs the
            # caller no connect timeout (a 503 with Retry-After at once).
            async with self.breakers.guard(upstream.name, _label(upstream)):
                try:
                    resp = await self.session.request(
                        method, url, headers=fwd, data=data, allow_redirects=False
                    )
                except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                    # A kept-alive connection the service had just closed (it restarted, or
                    # dropped it after an error): a read is safe to send once more.
                    if method not in SAFE_METHODS:
                        raise
                    resp = await self.session.request(
                        method, url, headers=fwd, data=data, allow_redirects=False
                    )
        except Problem as refused:  # an open circuit, a body over the limit
            await self._send_problem(send, refused, rid)
            return
        except (TimeoutError, aiohttp.ServerTimeoutError):
            log.warning("upstream %s timed out", upstream.name)
            await self._send_problem(
                send, GatewayTimeout(f"{_label(upstream)}响应超时，请稍后重试"), rid
            )
            return
        except (
            aiohttp.ClientConnectorError,
            aiohttp.ServerDisconnectedError,
            aiohttp.ClientOSError,
        ) as exc:
            # Refused, or the connection dropped before an answer: the service is not there
            # (restarting); the caller may retry (a write with its Idempotency-Key).
            log.warning("upstream %s unreachable: %r", upstream.name, exc)
            await self._send_problem(
                send, ServiceUnavailable(f"{_label(upstream)}暂不可用，请稍后重试"), rid
            )
            return
        except ClientGone:
            return
        except (aiohttp.ClientError, ConnectionError) as exc:
            log.warning("upstream %s failed: %r", upstream.name, exc)
            await self._send_problem(send, BadGateway(f"{_label(upstream)}连接中断"), rid)
            return
        try:
            out = [(b"x-request-id", rid)]
            for k, v in resp.raw_headers:
                if k.decode("latin-1").lower() not in RESPONSE_SKIP:
                    out.append((k.lower(), v))
            await send({"type": "http.response.start", "status": resp.status, "headers": out})
            if method == "HEAD":
                await send({"type": "http.response.body", "body": b""})
                return
            length = resp.content_length
            if length is not None and length <= self.buffer_body_bytes:
                # A small answer of known length (nearly every API answer) goes out as one
                # message: no stream iteration and no closing empty message per request.
                await send({"type": "http.response.body", "body": await resp.read()})
                return
            async for chunk in resp.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            # The status line is out: all that can be done is to stop the body.
            log.warning("upstream %s broke off its answer: %r", upstream.name, exc)
        finally:
            resp.release()

    @staticmethod
    async def _send_problem(send: Send, problem: Problem, rid: bytes) -> None:
        start, body = problem_message(problem, rid)
        await send(start)
        await send(body)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        parts: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            parts.append(message.get("body", b""))
            more = message.get("more_body", False)
        return b"".join(parts)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"请求内容超过 {max(1, self.max_body_bytes // (1024 * 1024))} MB 上限"
        )

    @staticmethod
    async def _stream_body(
        receive: Receive, limit: int, too_large: Callable[[], PayloadTooLarge]
    ) -> AsyncIterator[bytes]:
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                raise too_large()
            if chunk:
                yield chunk
            more = message.get("more_body", False)


_LABELS = {"tasks": "任务服务", "indicators": "指标服务"}


def _label(upstream: Upstream) -> str:
    return _LABELS.get(upstream.name, upstream.name)
