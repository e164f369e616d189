from __future__ import annotations

from fastapi import APIRouter

from dudao_shared.errors import problem_responses
from dudao_shared.sheet_jobs import SheetJobNotFound, SheetJobRead

from ..common.sheet_jobs import SHEET_JOBS_PATH
from .dependencies import VisibleJob

router = APIRouter(prefix=SHEET_JOBS_PATH, tags=["import_jobs"])


@router.get("/{job_id}", response_model=SheetJobRead, responses=problem_responses(SheetJobNotFound))
async def get_import_job(job: VisibleJob) -> SheetJobRead:
    """查看导入作业：状态、进度（已处理行数/总行数），完成后附导入结果"""
    return SheetJobRead.of(job)
