"""Notice numbers under concurrency: many issuers at once, each number given exactly once."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from dudao_shared.db import async_url
from dudao_tasks.models import NoticeCounter
from dudao_tasks.supervision.service import next_number

REGION, YEAR = "369901", 1901  # a counter no other test touches


async def test_concurrent_issuers_never_share_a_number(tasks_db_url: str) -> None:
    engine = create_async_engine(async_url(tasks_db_url), pool_size=8)
    try:

        async def take(rollback: bool) -> int:
            async with AsyncSession(engine) as session, session.begin() as tx:
                number = await next_number(session, REGION, YEAR)
                # Hold the row a moment so the others queue behind it.
                await asyncio.sleep(0)
                if rollback:
                    await tx.rollback()
                return number

        committed = await asyncio.gather(*(take(False) for _ in range(20)))
        assert sorted(committed) == list(range(1, 21))
        # A rolled-back issue gives its number back: the next one continues without a gap.
        await take(True)
        assert await take(False) == 21
    finally:
        async with AsyncSession(engine) as session, session.begin():
            await session.execute(
                delete(NoticeCounter).where(
                    NoticeCounter.region_code == REGION,  # type: ignore[arg-type]
                    NoticeCounter.year == YEAR,  # type: ignore[arg-type]
                )
            )
        await engine.dispose()
