"""The worker as a real process: a notice with a webhook contact is delivered once, signed so
that an independent Standard Webhooks implementation accepts it, and logged per attempt."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from dudao_shared.db import Database
from dudao_shared.webhooks import new_secret
from dudao_tasks.models import Contact, Delivery, DeliveryAttempt, Unit
from dudao_tasks.notifications.service import Recipient, notify

from .peers import wait_for, webhook_receiver, worker_env, workers

pytestmark = pytest.mark.e2e


async def _unit_with(db: Database, contacts: list[tuple[str, str, str | None]]) -> uuid.UUID:
    async with db.sessionmaker() as s:
        unit = Unit(name=f"县卫健委{uuid.uuid4().hex[:6]}", level="county", region_code="360112")
        s.add(unit)
        await s.flush()
        for channel, target, secret in contacts:
            s.add(
                Contact(
                    unit_id=unit.id,
                    channel=channel,
                    target=target,
                    secret=secret,
                    created_by="test",
                )
            )
        await s.commit()
        return unit.id


async def _notify(db: Database, unit_id: uuid.UUID, n: int, prefix: str) -> list[uuid.UUID]:
    out = []
    async with db.sessionmaker() as s:
        for i in range(n):
            nid = await notify(
                s,
                recipient=Recipient(unit_id=unit_id),
                kind="urge",
                title=f"催办 {i}",
                body="请尽快报送进度",
                dedupe_key=f"{prefix}:{i}",
            )
            assert nid is not None
            out.append(nid)
        await s.commit()
    return out


async def _deliveries(db: Database, notice_ids: list[uuid.UUID]) -> list[Delivery]:
    async with db.sessionmaker() as s:
        return list(
            (await s.scalars(select(Delivery).where(Delivery.notice_id.in_(notice_ids)))).all()  # type: ignore[union-attr]
        )


async def test_worker_process_delivers_signed_webhooks_once(
    queue_db,
    keypair,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    db = Database(queue_db)
    secret = new_secret()
    try:
        with webhook_receiver(secret) as hook:
            unit = await _unit_with(db, [("webhook", hook.url, secret)])
            notices = await _notify(db, unit, 5, f"w1:{unit}")
            with workers(worker_env(queue_db, keypair[1]), ["w1"], tmp_path / "logs"):
                await asyncio.to_thread(
                    wait_for, lambda: len(hook.received) >= 5, "five webhook deliveries"
                )
            assert hook.rejected == 0
            assert sorted(m["data"]["notice_id"] for m in hook.received) == sorted(
                str(n) for n in notices
            )
            assert len(set(hook.ids)) == 5
            rows = await _deliveries(db, notices)
            assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)
            async with db.sessionmaker() as s:
                log = (
                    await s.scalars(
                        select(DeliveryAttempt).where(
                            DeliveryAttempt.delivery_id.in_([r.id for r in rows])  # type: ignore[attr-defined]
                        )
                    )
                ).all()
            assert len(log) == 5 and all(a.ok and a.status_code == 204 for a in log)
            assert {a.worker for a in log} == {"w1"}
    finally:
        await db.dispose()
