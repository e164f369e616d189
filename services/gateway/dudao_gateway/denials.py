"""Denied requests as security events: every 401, 403 or 404 the forwarder passes back from a
service is written to the security audit (who asked from where, what, the request id), so a
probe of other regions' or units' ids leaves a trace.

Rate-limited per client address (a token bucket per address in this process): a scanner gets
its first denials recorded and a counted summary after that, never a write per request, so a
flood of denials cannot turn into a flood of inserts. The writes run beside the response, on
their own session, so a denial costs the caller nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import Scope

from .audit import AuditContext, record

log = logging.getLogger("dudao.denials")

DENIED = frozenset({401, 403, 404})


class DenialRecorder:
    def __init__(
        self, engine: Callable[[], AsyncEngine], *, per_minute: int = 30, burst: int = 30
    ) -> None:
        self.engine = engine
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        # address → (tokens, last refill, denials not written since the last write)
        self.buckets: dict[str, tuple[float, float, int]] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def observe(self, scope: Scope, status: int, request_id: str | None) -> None:
        if status not in DENIED:
            return
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        now = time.monotonic()
        tokens, last, skipped = self.buckets.get(ip, (self.burst, now, 0))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self.buckets[ip] = (tokens, now, skipped + 1)
            return
        self.buckets[ip] = (tokens - 1, now, 0)
        if len(self.buckets) > 10_000:  # a bounded table: forget the quietest addresses
            self.buckets.pop(next(iter(self.buckets)))
        detail = f"{scope.get('method', '')} {scope.get('path', '')}"[:900]
        if skipped:
            detail += f"（此前 {skipped} 次被拒请求未逐条记录）"
        task = asyncio.create_task(self._write(ip, status, detail, request_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _write(self, ip: str, status: int, detail: str, request_id: str | None) -> None:
        try:
            async with AsyncSession(self.engine()) as session:
                record(
                    session,
                    action="request_denied",
                    outcome=str(status),
                    detail=detail,
                    ctx=AuditContext(ip=ip),
                    request_id=request_id,
                )
                await session.commit()
        except Exception:  # noqa: BLE001 - the audit of a denial must never fail the caller
            log.warning("could not record a denied request", exc_info=True)

    async def drain(self) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
