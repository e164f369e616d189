"""Ending sign-in sessions: in the database (the truth), in this process's revocation list (so
the next request is already refused), and pushed: a NOTIFY in the same transaction reaches every
gateway replica's listener on commit, and each replica streams it to the services."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import RevocationList
from dudao_shared.clock import utcnow

from .models import AuthSession

log = logging.getLogger("dudao.gateway.revocation")
CHANNEL = "dudao_revocation"


async def revoke_sessions(
    session: AsyncSession,
    sids: Sequence[str],
    *,
    revocations: RevocationList,
    access_token_ttl_seconds: int,
) -> None:
    if not sids:
        return
    now = utcnow()
    await session.execute(
        update(AuthSession)
        .where(col(AuthSession.id).in_(sids), col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    # Access tokens of these sessions die by themselves at the latest one lifetime from now.
    until = now.timestamp() + access_token_ttl_seconds
    for sid in sids:
        revocations.revoke(sid, until)
    # Transactional: delivered when (and only if) the revocation commits.
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": CHANNEL, "payload": json.dumps(dict.fromkeys(sids, until))},
    )


async def active_revocations(
    session: AsyncSession, *, access_token_ttl_seconds: int
) -> dict[str, float]:
    """Revoked sessions whose access tokens may still be alive: sid → until (epoch seconds)."""
    horizon = utcnow() - timedelta(seconds=access_token_ttl_seconds)
    rows = await session.execute(
        select(AuthSession.id, AuthSession.revoked_at).where(col(AuthSession.revoked_at) > horizon)
    )
    return {sid: at.timestamp() + access_token_ttl_seconds for sid, at in rows if at is not None}


class RevocationHub:
    """The services' push streams: each gets the whole list, then every revocation committed
    by any gateway replica, and a heartbeat that tells it its list is current."""

    def __init__(self, revocations: RevocationList, heartbeat: float) -> None:
        self.revocations = revocations
        self.heartbeat = heartbeat
        self._queues: set[asyncio.Queue[dict[str, float] | None]] = set()
        # What the streams have been sent, so a reload can push what a lost NOTIFY did not.
        self._published: dict[str, float] = {}

    def close(self) -> None:
        """End every stream (shutdown): an open stream would hold the graceful stop."""
        for queue in self._queues:
            queue.put_nowait(None)

    def publish(self, entries: dict[str, float]) -> None:
        self.revocations.merge(entries, confirm=False)
        self._published.update(entries)
        for queue in self._queues:
            queue.put_nowait(entries)

    def reload(self, current: dict[str, float]) -> None:
        """The whole list as the database holds it: confirm this replica's copy and push what
        the streams have not been sent. A NOTIFY is lost while the listener reconnects (after a
        database restart, or a revocation committed by another replica in that window); without
        this the services would accept such a token until it expired."""
        now = time.time()
        self._published = {sid: u for sid, u in self._published.items() if u > now}
        missed = {sid: u for sid, u in current.items() if sid not in self._published}
        if missed:
            self.publish(missed)
        self.revocations.merge(current)

    async def events(self) -> AsyncIterator[str]:
        queue: asyncio.Queue[dict[str, float] | None] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield _event("snapshot", self.revocations.entries())
            while True:
                try:
                    entries = await asyncio.wait_for(queue.get(), timeout=self.heartbeat)
                except TimeoutError:
                    # Only a gateway whose own list is current vouches for the services'.
                    if self.revocations.is_current():
                        yield _event("heartbeat", {})
                    continue
                if entries is None:
                    return
                yield _event("revoked", entries)
        finally:
            self._queues.discard(queue)


def _event(kind: str, items: dict[str, float]) -> str:
    return f"data: {json.dumps({'type': kind, 'items': items})}\n\n"


async def follow_database(
    database_url: str,
    session_factory: Any,
    hub: RevocationHub,
    *,
    access_token_ttl_seconds: int,
    interval: float,
) -> None:
    """Keep this replica's list current: LISTEN for revocations committed by any replica, and
    reload the whole list every ``interval`` (the backstop, and the proof the database answers)."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            hub.publish({str(k): float(v) for k, v in json.loads(payload).items()})
        except (ValueError, AttributeError) as exc:
            log.warning("bad revocation notification: %s", exc)

    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            await conn.add_listener(CHANNEL, on_notify)
            while not conn.is_closed():
                async with session_factory() as session:
                    current = await active_revocations(
                        session, access_token_ttl_seconds=access_token_ttl_seconds
                    )
                hub.reload(current)
                await asyncio.sleep(interval)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            log.warning("revocation listener: %s", type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - the listener must outlive any one failure
            log.warning("revocation listener failed: %r", exc)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
        await asyncio.sleep(interval)
