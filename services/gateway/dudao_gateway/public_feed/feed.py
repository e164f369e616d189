"""The public feed at the edge (``/public/v1/...``): no token, but CORS from an allowlist, a
per-client rate limit shared by the replicas, and a short response cache so a burst of portal
polls costs the services one request per path.

Like the forwarder, this is bare ASGI: a cached 304 never enters FastAPI."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from starlette.types import Receive, Scope, Send

from dudao_shared.errors import (
    BadGateway,
    GatewayTimeout,
    Problem,
    ServiceUnavailable,
    TooManyRequests,
)
from dudao_shared.middleware import SAFE_REQUEST_ID
from dudao_shared.public import matches

from ..proxy.forwarder import Upstream, problem_message
from .ratelimit import RateLimiter

log = logging.getLogger("dudao.gateway.public")

PREFIX = "/public/v1/"
KEPT_HEADERS = ("content-type", "etag", "cache-control", "x-feed-version")
# Bodies larger than this are passed on but not cached (a feed page is a few tens of KiB).
CACHE_BODY_BYTES = 512 * 1024


class MethodNotAllowed(Problem):
    status, code, title = 405, "method_not_allowed", "公开数据接口只读"


class OriginNotAllowed(Problem):
    status, code, title = 403, "origin_not_allowed", "来源网站未获准跨域读取"


@dataclass(slots=True)
class Cached:
    expires: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str


class PublicFeed:
    def __init__(
        self,
        *,
        tasks: Upstream,
        indicators: Upstream,
        session: Callable[[], aiohttp.ClientSession | None],
        limiter: Callable[[], RateLimiter],
        cors_origins: list[str],
        cache_seconds: float,
        cache_entries: int = 2000,
    ) -> None:
        self.tasks = tasks
        self.indicators = indicators
        self._session = session
        self._limiter = limiter
        self.cors_origins = frozenset(o.rstrip("/") for o in cors_origins)
        self.cache_seconds = cache_seconds
        self.cache_entries = cache_entries
        self._cache: OrderedDict[str, Cached] = OrderedDict()
        # One upstream request per path at a time: a burst waits for the first answer.
        self._inflight: dict[str, asyncio.Future[Cached | None]] = {}

    @staticmethod
    def match(path: str) -> bool:
        return path.startswith(PREFIX)

    def upstream_for(self, path: str) -> Upstream:
        parts = path[len(PREFIX) :].split("/")
        # /public/v1/plans/{id}/indicators is the indicator service's; the rest the task one's.
        if len(parts) >= 3 and parts[0] == "plans" and parts[2] == "indicators":
            return self.indicators
        return self.tasks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        rid_raw = headers.get("x-request-id", "").encode("latin-1")
        rid = rid_raw if rid_raw and SAFE_REQUEST_ID.match(rid_raw) else uuid.uuid4().hex.encode()
        origin = headers.get("origin")
        cors = self._cors_headers(origin)
        method = scope["method"]
        if method == "OPTIONS":
            await self._preflight(send, origin, cors, rid)
            return
        if method not in ("GET", "HEAD"):
            await self._problem(send, MethodNotAllowed("只支持 GET 与 HEAD"), rid, cors)
            return
        client = scope.get("client")
        wait = await self._limiter().hit(client[0] if client else "unknown")
        if wait is not None:
            problem = TooManyRequests(
                f"每个来源每分钟最多 {self._limiter().limit} 次，请 {wait} 秒后再试",
                headers={"Retry-After": str(wait)},
            )
            await self._problem(send, problem, rid, cors)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        key = scope["path"] + ("?" + query if query else "")
        try:
            entry = await self._lookup(key, rid)
        except Problem as problem:
            await self._problem(send, problem, rid, cors)
            return
        assert entry is not None
        out = [(b"x-request-id", rid), *entry.headers, *cors]
        if entry.status == 200 and matches(headers.get("if-none-match"), entry.etag):
            out = [(k, v) for k, v in out if k != b"content-type"]
            await send({"type": "http.response.start", "status": 304, "headers": out})
            await send({"type": "http.response.body", "body": b""})
            return
        out.append((b"content-length", str(len(entry.body)).encode()))
        await send({"type": "http.response.start", "status": entry.status, "headers": out})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else entry.body})

    def _cors_headers(self, origin: str | None) -> list[tuple[bytes, bytes]]:
        out = [(b"vary", b"Origin")]
        if origin and origin.rstrip("/") in self.cors_origins:
            out += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-expose-headers", b"ETag, X-Feed-Version, Retry-After"),
            ]
        return out

    async def _preflight(
        self, send: Send, origin: str | None, cors: list[tuple[bytes, bytes]], rid: bytes
    ) -> None:
        if not origin or origin.rstrip("/") not in self.cors_origins:
            await self._problem(
                send, OriginNotAllowed(f"{(origin or '')[:200]} 不在允许的来源中"), rid, cors
            )
            return
        out = [
            (b"x-request-id", rid),
            *cors,
            (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
            (b"access-control-allow-headers", b"If-None-Match"),
            (b"access-control-max-age", b"600"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": out})
        await send({"type": "http.response.body", "body": b""})

    async def _lookup(self, key: str, rid: bytes) -> Cached | None:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit.expires > now:
            return hit
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Cached | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            entry = await self._fetch(key, rid)
            future.set_result(entry)
            return entry
        except BaseException as exc:
            future.set_exception(exc)
            # Waiters get the problem; nobody else retrieves it, so mark it seen.
            future.exception()
            raise
        finally:
            del self._inflight[key]

    async def _fetch(self, key: str, rid: bytes) -> Cached:
        upstream = self.upstream_for(key.split("?", 1)[0])
        session = self._session()
        assert session is not None
        label = {"tasks": "任务服务", "indicators": "指标服务"}.get(upstream.name, upstream.name)
        try:
            async with session.get(
                upstream.base_url + key,
                headers={"x-request-id": rid.decode()},
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                kept = [
                    (k.lower(), v)
                    for k, v in resp.raw_headers
                    if k.decode("latin-1").lower() in KEPT_HEADERS
                ]
                etag = resp.headers.get("etag", "")
                status = resp.status
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise GatewayTimeout(f"{label}响应超时，请稍后重试") from None
        except aiohttp.ClientConnectorError:
            raise ServiceUnavailable(f"{label}暂不可用，请稍后重试") from None
        except (aiohttp.ClientError, ConnectionError):
            raise BadGateway(f"{label}连接中断") from None
        entry = Cached(time.monotonic() + self.cache_seconds, status, kept, body, etag)
        if status == 200 and len(body) <= CACHE_BODY_BYTES:
            self._cache[key] = entry
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)
        return entry

    @staticmethod
    async def _problem(
        send: Send, problem: Problem, rid: bytes, cors: list[tuple[bytes, bytes]]
    ) -> None:
        start, body = problem_message(problem, rid)
        start["headers"] = [*start["headers"], *cors]
        await send(start)
        await send(body)
