"""Circuit breakers for calls to other services (purgatory), one circuit per upstream.

A stopped or hung service would otherwise cost every caller a connect or read timeout; after
``threshold`` consecutive transport failures the circuit opens and calls fail at once with a
503 whose ``Retry-After`` says when the next probe goes through (half-open after ``ttl``).
Only failures of the peer count: its 4xx answers and our own client's disconnects do not.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from .errors import ServiceUnavailable

log = logging.getLogger("dudao.breaker")

# What says the peer is down or hung (never a 4xx it answered, never our own client leaving).
PEER_FAILURES: tuple[type[BaseException], ...] = (
    httpx.TransportError,
    aiohttp.ClientConnectorError,
    aiohttp.ServerTimeoutError,
    aiohttp.ServerDisconnectedError,
    TimeoutError,
)


class PeerUnavailable(Exception):
    """Raised inside a guarded call for a 502/503/504 answer: the peer is up but cannot serve."""


def _not_a_peer_failure(exc: BaseException) -> bool:
    return not isinstance(exc, PEER_FAILURES + (PeerUnavailable,))


class CircuitOpen(ServiceUnavailable):
    code, title = "upstream_circuit_open", "上游服务暂不可用"


class Breakers:
    def __init__(self, *, threshold: int = 5, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._factory = AsyncCircuitBreakerFactory(
            default_threshold=threshold,
            default_ttl=ttl,
            exclude=[(BaseException, _not_a_peer_failure)],
        )
        self._factory.add_listener(self._log_change)

    @staticmethod
    def _log_change(name: str, event_name: str, event: Any) -> None:
        if event_name == "state_changed":
            log.warning("circuit %s is now %s", name, getattr(event, "state", "?"))

    @contextlib.asynccontextmanager
    async def guard(self, name: str, label: str) -> AsyncIterator[None]:
        """Run the block as a call to ``name``; an open circuit is a 503 before any I/O."""
        breaker = await self._factory.get_breaker(name)
        try:
            async with breaker:
                yield
        except OpenedState as exc:
            retry = max(1, math.ceil(exc.opened_at + self.ttl - time.time()))
            raise CircuitOpen(
                f"{label}暂不可用，请 {retry} 秒后重试", headers={"Retry-After": str(retry)}
            ) from None
