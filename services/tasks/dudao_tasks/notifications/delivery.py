"""Sending one delivery: the body of the ``deliver`` job.

The delivery row is locked for the send (``FOR UPDATE SKIP LOCKED``): a second job for the
same delivery (a stalled worker's job run again while the first still holds it) skips it, and
a delivery already sent or dead is left alone, so a message goes out once. Each try is written
to the delivery log with its outcome. A failure that may pass raises ``RetryLater`` (the job
queue runs the job again after a backoff) until the last attempt, which leaves it dead.
"""

from __future__ import annotations

import logging
import time
import uuid

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select

from dudao_shared.clock import utcnow

from ..models import Delivery, DeliveryAttempt
from .channels import PermanentFailure, Sender, SendFailed, SendOutcome

log = logging.getLogger("dudao.delivery")


class RetryLater(Exception):
    """The send failed and will be tried again; the message is the reason."""


async def run_delivery(
    sessionmaker: async_sessionmaker,  # type: ignore[type-arg]
    senders: dict[str, Sender],
    delivery_id: uuid.UUID,
    *,
    max_attempts: int,
    worker: str | None = None,
) -> str:
    """Try to send one delivery; returns its status afterwards (``sent``, ``dead``,
    ``pending`` is never returned: that raises ``RetryLater``), or ``skipped``."""
    async with sessionmaker() as session:
        delivery = await session.scalar(
            select(Delivery).where(Delivery.id == delivery_id).with_for_update(skip_locked=True)
        )
        if delivery is None or delivery.status != "pending":
            return "skipped"
        sender = senders.get(delivery.channel)
        t0 = time.perf_counter()
        outcome: SendOutcome | None = None
        error: str | None = None
        status_code: int | None = None
        permanent = False
        try:
            if sender is None:
                raise PermanentFailure(f"未知渠道：{delivery.channel}")
            outcome = await sender.send(delivery)
        except PermanentFailure as exc:
            error, permanent = str(exc), True
        except SendFailed as exc:
            error, status_code = str(exc), exc.status_code
        except Exception as exc:  # noqa: BLE001 - every transport failure is retried
            error = f"{type(exc).__name__}: {exc}"[:2000]
        delivery.attempts += 1
        session.add(
            DeliveryAttempt(
                delivery_id=delivery.id,
                attempt=delivery.attempts,
                ok=error is None,
                status_code=outcome.status_code if outcome else status_code,
                error=error,
                duration_ms=int((time.perf_counter() - t0) * 1000),
                worker=worker,
            )
        )
        if error is None:
            delivery.status = "sent"
            delivery.sent_at = utcnow()
            delivery.last_error = None
        else:
            delivery.last_error = error
            if permanent or delivery.attempts >= max_attempts:
                delivery.status = "dead"
                log.warning(
                    "delivery %s dead after %s attempts: %s", delivery.id, delivery.attempts, error
                )
        status: str = delivery.status
        await session.commit()
    if status == "pending":
        raise RetryLater(error)
    return status
