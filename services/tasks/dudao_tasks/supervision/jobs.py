"""The escalation sweep as a periodic job of the worker (``dudao_tasks.worker``)."""

from __future__ import annotations

import logging
from typing import Protocol

import procrastinate

from dudao_shared.clock import get_today
from dudao_shared.db import Database

from ..config import Settings
from .service import escalate

log = logging.getLogger("dudao.escalation")

ESCALATE_TASK = "escalate"


class Runtime(Protocol):
    settings: Settings
    db: Database


async def sweep(db: Database) -> tuple[int, int]:
    """One pass over every plan, in one transaction; safe beside other workers (each notice
    is raised once: the open-notice index decides)."""
    async with db.sessionmaker() as session:
        raised, listed = await escalate(session, today=get_today())
        await session.commit()
    return len(raised), listed


def register(bp: procrastinate.Blueprint, runtime: Runtime) -> None:
    @bp.periodic(cron=runtime.settings.escalation_cron, periodic_id=ESCALATE_TASK)
    @bp.task(name=ESCALATE_TASK, queue="default", queueing_lock=ESCALATE_TASK)
    async def escalate_job(timestamp: int) -> dict[str, int]:
        raised, listed = await sweep(runtime.db)
        log.info("escalation: %d notices raised, %d listed for 约谈/通报", raised, listed)
        return {"raised": raised, "listed": listed}
