"""The monthly bulletins as a periodic job of the worker (``dudao_tasks.worker``)."""

from __future__ import annotations

import logging
from typing import Protocol

import procrastinate

from dudao_shared.clock import get_today
from dudao_shared.db import Database

from ..config import Settings
from .service import issue_monthly

log = logging.getLogger("dudao.bulletins")

BULLETIN_TASK = "issue_monthly_bulletins"


class Runtime(Protocol):
    settings: Settings
    db: Database


async def issue_due(db: Database) -> int:
    """Last month's bulletin of every published plan that has none yet."""
    async with db.sessionmaker() as session:
        issued = await issue_monthly(session, today=get_today())
        await session.commit()
    return len(issued)


def register(bp: procrastinate.Blueprint, runtime: Runtime) -> None:
    @bp.periodic(cron=runtime.settings.bulletin_cron, periodic_id=BULLETIN_TASK)
    @bp.task(name=BULLETIN_TASK, queue="default", queueing_lock=BULLETIN_TASK)
    async def bulletins_job(timestamp: int) -> int:
        issued = await issue_due(runtime.db)
        log.info("monthly bulletins: %d issued", issued)
        return issued
