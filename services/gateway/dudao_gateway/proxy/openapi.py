"""One OpenAPI document for the whole platform: the gateway's own plus each service's."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

import aiohttp

from dudao_shared.security import SERVICE_TOKEN_HEADER

from .forwarder import Upstream
from .routes import INDICATORS_RESOURCES, TASKS_RESOURCES

OWNED = {"tasks": TASKS_RESOURCES, "indicators": INDICATORS_RESOURCES}


class CombinedOpenAPI:
    def __init__(
        self, upstreams: list[Upstream], ttl: float = 30.0, service_token: str = ""
    ) -> None:
        self.upstreams = upstreams
        # The services show their documents only to holders of the service credential.
        self.headers = {SERVICE_TOKEN_HEADER: service_token} if service_token else {}
        self.ttl = ttl
        self._cache: tuple[float, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def document(self, own: dict[str, Any], session: aiohttp.ClientSession) -> dict[str, Any]:
        async with self._lock:
            if self._cache and time.monotonic() - self._cache[0] < self.ttl:
                return self._cache[1]
            specs = await asyncio.gather(*(self._fetch(u, session) for u in self.upstreams))
            doc = merge(own, dict(zip((u.name for u in self.upstreams), specs, strict=True)))
            # A missing service is retried soon instead of being cached for the full ttl.
            if all(specs):
                self._cache = (time.monotonic(), doc)
            return doc

    async def _fetch(
        self, upstream: Upstream, session: aiohttp.ClientSession
    ) -> dict[str, Any] | None:
        try:
            async with session.get(
                upstream.base_url + "/openapi.json",
                # A service builds its document on first request: seconds on a busy machine.
                timeout=aiohttp.ClientTimeout(total=20),
                headers=self.headers,
            ) as r:
                if r.status == 200:
                    data = await r.json()
                    return data if isinstance(data, dict) else None
        except (TimeoutError, aiohttp.ClientError, ValueError):
            return None
        return None


def merge(own: dict[str, Any], services: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    doc = copy.deepcopy(own)
    paths = doc.setdefault("paths", {})
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    missing = []
    for name, spec in services.items():
        if not spec:
            missing.append(name)
            continue
        prefixes = tuple(f"/api/v1/{seg}" for seg in OWNED.get(name, ()))
        for path, item in spec.get("paths", {}).items():
            # Only what the gateway actually routes to the service is documented.
            if path.startswith(prefixes):
                paths[path] = item
        for sname, schema in spec.get("components", {}).get("schemas", {}).items():
            schemas.setdefault(sname, schema)
        for scheme, value in spec.get("components", {}).get("securitySchemes", {}).items():
            doc["components"].setdefault("securitySchemes", {}).setdefault(scheme, value)
    if missing:
        doc["info"]["description"] = (
            doc["info"].get("description", "")
            + f"\n\n（暂未取得以下服务的接口文档：{'、'.join(missing)}）"
        )
    return doc
