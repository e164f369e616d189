"""The indicator service's worker: ``python -m dudao_indicators.worker`` (and ``dudao worker``,
which runs it beside the task service's).

The indicator service has its own job queue (procrastinate on its own database, installed by
its migrations), so it never reaches into the task service's database: this worker runs the
large spreadsheet imports (measurements, targets) and the recovery of jobs whose worker died.
Start as many as wanted; each job is taken by one of them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate

from dudao_shared.db import Database
from dudao_shared.jobs import (
    create_job_app,
    retry_stalled_jobs,
    run_until_stopped,
    stop_on_signals,
    worker_main,
    worker_name,
    worker_options,
)
from dudao_shared.sheet_jobs import (
    JOB_QUEUE,
    JOB_TASK,
    run_sheet_job,
)

from .config import Settings
from .measurements import sheet as measurements_sheet
from .models import SheetJob
from .targets import sheet as targets_sheet

log = logging.getLogger("dudao.indicators.worker")

DEFAULT_QUEUE = "default"


# The imports a large file runs as a job: the same ones the import routes run.
SHEET_IMPORTERS = {
    importer.kind.name: importer
    for importer in (measurements_sheet.IMPORTER, targets_sheet.IMPORTER)
}


def build_blueprint(settings: Settings, db: Database, app_ref: list[procrastinate.App]) -> Any:
    bp = procrastinate.Blueprint()

    @bp.task(name=JOB_TASK, queue=JOB_QUEUE)
    async def sheet_import(job_id: str) -> str:
        return await run_sheet_job(db.sessionmaker, SheetJob, job_id, SHEET_IMPORTERS)

    @bp.periodic(cron=settings.worker_stalled_check_cron, periodic_id="stalled")
    @bp.task(name="retry_stalled_jobs", queue=DEFAULT_QUEUE, queueing_lock="retry_stalled_jobs")
    async def retry_stalled(timestamp: int) -> int:
        return await retry_stalled_jobs(app_ref[0], settings.worker_stalled_seconds)

    return bp


async def run(
    settings: Settings,
    *,
    name: str | None = None,
    wait: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the worker until ``stop`` is set or SIGTERM/SIGINT arrives (graceful: running jobs
    finish); with ``wait=False`` return once the queues are empty."""
    name = worker_name(name)
    db = Database(settings.database_url, pool_size=settings.worker_concurrency * 2 + 1)
    app_ref: list[procrastinate.App] = []
    app = create_job_app(
        settings.database_url,
        blueprints=[build_blueprint(settings, db, app_ref)],
        max_size=4 + settings.worker_concurrency,
    )
    app_ref.append(app)
    stop = stop_on_signals(stop)
    options = worker_options(wait=wait, stalled_seconds=settings.worker_stalled_seconds)
    try:
        async with app.open_async():
            worker = app.run_worker_async(
                queues=[DEFAULT_QUEUE, JOB_QUEUE],
                name=f"{name}:indicators",
                concurrency=settings.worker_concurrency,
                **options,
            )
            await run_until_stopped([worker], stop, name=name, log=log)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    worker_main(
        argv,
        description="督导指标服务的后台作业进程",
        name_help="作业进程名（日志中显示）",
        log_name="indicators-worker",
        settings=Settings,
        run=lambda settings, name, wait: run(settings, name=name, wait=wait),
    )


if __name__ == "__main__":
    main()
