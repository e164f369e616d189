from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dudao_shared.auth import CurrentPrincipal
from dudao_shared.db import SessionDep
from dudao_shared.sheet_jobs import SheetJobNotFound, may_read

from ..models import SheetJob


async def get_visible_job(
    job_id: str, session: SessionDep, principal: CurrentPrincipal
) -> SheetJob:
    job = await session.get(SheetJob, job_id)
    if job is None or not may_read(principal, job):  # another's job is not there for them
        raise SheetJobNotFound()
    return job


VisibleJob = Annotated[SheetJob, Depends(get_visible_job)]
