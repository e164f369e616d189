"""Per-client request limits for the public feed, counted in PostgreSQL so that every gateway
replica shares one count (a fixed window per client: one upsert per request)."""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dudao_shared.clock import utcnow

HIT = text(
    "INSERT INTO rate_bucket (client, window_start, hits) VALUES (:client, :start, 1) "
    "ON CONFLICT (client, window_start) DO UPDATE SET hits = rate_bucket.hits + 1 "
    "RETURNING hits"
)
PRUNE = text("DELETE FROM rate_bucket WHERE window_start < :before")


class RateLimiter:
    def __init__(self, engine: AsyncEngine, *, limit: int, window_seconds: int) -> None:
        self.engine = engine
        self.limit = limit
        self.window = window_seconds
        self._pruned_window: dt.datetime | None = None

    def _window_start(self, now: dt.datetime) -> dt.datetime:
        epoch = math.floor(now.timestamp() / self.window) * self.window
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)

    async def hit(self, client: str) -> int | None:
        """Count one request of ``client``; the seconds to wait when it is over the limit."""
        now = utcnow()
        start = self._window_start(now)
        async with self.engine.begin() as conn:
            hits = int(await conn.scalar(HIT, {"client": client[:100], "start": start}) or 0)
            if self._pruned_window != start:
                # Once per window per replica: old windows are never read again.
                self._pruned_window = start
                await conn.execute(PRUNE, {"before": start - dt.timedelta(seconds=self.window)})
        if hits <= self.limit:
            return None
        return max(1, math.ceil((start.timestamp() + self.window) - now.timestamp()))
