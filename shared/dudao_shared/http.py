"""The one HTTP client for calls between services.

Explicit timeouts and limits; retries only where the request cannot have reached the peer
(connect errors, which httpx's transport retries); the request id and the caller's token
travel along; a peer's problem+json comes back as a typed error.
"""

from __future__ import annotations

from typing import Any

import httpx

from .breaker import Breakers, PeerUnavailable
from .context import bearer_var, request_id_var
from .errors import BadGateway, GatewayTimeout, Problem, ServiceUnavailable


class UpstreamProblem(Problem):
    """A 4xx from a peer service, passed on with its own code and words."""


def decode_problem(service: str, response: httpx.Response) -> Problem:
    body: dict[str, Any] = {}
    try:
        parsed = response.json()
        if isinstance(parsed, dict):
            body = parsed
    except ValueError:
        pass
    if 400 <= response.status_code < 500:
        return UpstreamProblem(
            body.get("detail") or f"{service} 拒绝了请求",
            status=response.status_code,
            code=str(body.get("code") or "upstream_rejected"),
            title=str(body.get("title") or "上游服务拒绝了请求"),
            errors=body.get("errors") or None,
        )
    if response.status_code in (502, 503):
        return ServiceUnavailable(f"{service} 暂不可用")
    if response.status_code == 504:
        return GatewayTimeout(f"{service} 响应超时")
    return BadGateway(f"{service} 返回错误 {response.status_code}")


class ServiceClient:
    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 2.0,
        connect_retries: int = 2,
        max_connections: int = 50,
        transport: httpx.AsyncBaseTransport | None = None,
        breakers: Breakers | None = None,
    ) -> None:
        self.service = service
        # A stopped peer costs callers one connect timeout each until the circuit opens,
        # then nothing: they get a 503 at once.
        self.breakers = breakers or Breakers()
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport or httpx.AsyncHTTPTransport(retries=connect_retries),
        )

    async def request(
        self, method: str, path: str, *, token: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        rid = request_id_var.get()
        if rid:
            headers.setdefault("X-Request-ID", rid)
        token = token or bearer_var.get()
        if token:
            headers.setdefault("Authorization", f"Bearer {token}")
        try:
            async with self.breakers.guard(self.service, self.service):
                response = await self._client.request(method, path, headers=headers, **kw)
                if response.status_code in (502, 503, 504):
                    raise PeerUnavailable(response.status_code)
        except httpx.TimeoutException as exc:
            raise GatewayTimeout(f"{self.service} 响应超时") from exc
        except httpx.TransportError as exc:
            raise ServiceUnavailable(f"{self.service} 无法连接") from exc
        except PeerUnavailable:
            raise decode_problem(self.service, response) from None
        if response.status_code >= 400:
            raise decode_problem(self.service, response)
        return response

    async def get_json(self, path: str, **kw: Any) -> Any:
        return (await self.request("GET", path, **kw)).json()

    async def post_json(self, path: str, json: Any, **kw: Any) -> Any:
        return (await self.request("POST", path, json=json, **kw)).json()

    async def aclose(self) -> None:
        await self._client.aclose()
