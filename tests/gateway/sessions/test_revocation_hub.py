"""The gateway's push of revocations to the services survives a lost NOTIFY."""

from __future__ import annotations

import asyncio
import json
import time

from dudao_gateway.revocation import RevocationHub
from dudao_shared.auth import RevocationList


async def _next_event(events: object) -> dict[str, object]:
    line = await asyncio.wait_for(events.__anext__(), timeout=2)  # type: ignore[attr-defined]
    event: dict[str, object] = json.loads(line.removeprefix("data: "))
    return event


async def test_a_revocation_whose_notification_was_lost_is_pushed_by_the_next_reload() -> None:
    revocations = RevocationList(max_age=10)
    hub = RevocationHub(revocations, heartbeat=60)
    stream = hub.events()
    assert (await _next_event(stream))["type"] == "snapshot"
    until = time.time() + 600
    # The replica that took the logout holds it in its own list; the NOTIFY never arrived
    # (the listener was reconnecting), so nothing was published.
    revocations.revoke("lost-sid", until)
    hub.publish({"seen-sid": until})
    assert await _next_event(stream) == {"type": "revoked", "items": {"seen-sid": until}}

    hub.reload({"lost-sid": until, "seen-sid": until})

    # Only what the streams were not sent goes out, and the list is confirmed current.
    assert await _next_event(stream) == {"type": "revoked", "items": {"lost-sid": until}}
    assert revocations.is_current()
    hub.reload({"lost-sid": until, "seen-sid": until})
    hub.close()
    assert [line async for line in stream] == []
