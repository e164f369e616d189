"""The task service's worker: ``python -m dudao_tasks.worker`` (``dudao worker``).

It runs the jobs of the service's queue (procrastinate on the service database): deliveries,
one queue per channel with its own slots, and the periodic jobs (reminder sweep, stalled-job
recovery) on the ``default`` queue. Start as many workers as wanted, on any machines: each job
is taken by one of them, each periodic tick is deferred once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import procrastinate
from procrastinate import JobContext, RetryStrategy

from dudao_shared.audit_chain import Archived, ChainStatus, archive_database, verify_chain
from dudao_shared.clock import get_today
from dudao_shared.db import Database
from dudao_shared.errors import Problem
from dudao_shared.http import ServiceClient
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

from .assignments import sheet as assignments_sheet
from .bulletins import jobs as bulletin_jobs
from .config import Settings
from .evaluations import renders as evaluation_renders
from .models import SheetJob
from .notifications.channels import Sender, build_senders
from .notifications.delivery import RetryLater, run_delivery
from .notifications.schemas import CHANNELS
from .notifications.service import DELIVER_TASK, delivery_queue
from .plans.light_store import REFRESH_PLAN_TASK, SWEEP_TASK, refresh_plan, sweep
from .reminders import service as reminders
from .supervision import jobs as supervision_jobs
from .units import sheet as units_sheet

log = logging.getLogger("dudao.worker")

DEFAULT_QUEUE = "default"

# Extra periodic or one-off jobs other packages add (each: a function given the blueprint and
# the runtime), so new work is registered in one place.
JobRegistrar = Callable[[procrastinate.Blueprint, "Runtime"], None]
REGISTRARS: list[JobRegistrar] = [
    supervision_jobs.register,
    bulletin_jobs.register,
    evaluation_renders.register,
]


@dataclass
class Runtime:
    """What jobs use, opened once per worker process."""

    settings: Settings
    db: Database
    name: str
    http: httpx.AsyncClient
    senders: dict[str, Sender] = field(default_factory=dict)


def build_blueprint(runtime: Runtime) -> procrastinate.Blueprint:
    s = runtime.settings
    bp = procrastinate.Blueprint()

    @bp.task(
        name=DELIVER_TASK,
        pass_context=True,
        retry=RetryStrategy(
            # A margin over the delivery's own count: a job run again after its worker died
            # counts an attempt here without having tried to send.
            max_attempts=s.delivery_max_attempts + 2,
            exponential_wait=s.delivery_backoff_seconds,
            retry_exceptions=[RetryLater],
        ),
    )
    async def deliver(context: JobContext, delivery_id: str) -> str:
        return await run_delivery(
            runtime.db.sessionmaker,
            runtime.senders,
            uuid.UUID(delivery_id),
            max_attempts=s.delivery_max_attempts,
            worker=runtime.name,
        )

    @bp.periodic(cron=s.worker_stalled_check_cron, periodic_id="stalled")
    @bp.task(name="retry_stalled_jobs", queue=DEFAULT_QUEUE, queueing_lock="retry_stalled_jobs")
    async def retry_stalled(timestamp: int) -> int:
        app = _current_app
        assert app is not None
        return await retry_stalled_jobs(app, s.worker_stalled_seconds)

    @bp.periodic(cron=s.reminder_sweep_cron, periodic_id="reminders")
    @bp.task(name=reminders.SWEEP_TASK, queue=DEFAULT_QUEUE, lock=reminders.SWEEP_TASK)
    async def sweep_reminders(timestamp: int | None = None, on: str | None = None) -> int:
        # The periodic run sweeps for the (injectable) local today; a requested run names it.
        today = dt.date.fromisoformat(on) if on else reminders.today_local()
        async with runtime.db.sessionmaker() as session:
            written = await reminders.sweep(session, today=today)
            await session.commit()
        log.info("reminder sweep for %s: %s new reminders", today, written)
        return written

    # Lights the date alone moves (due soon → overdue): hourly, so the change of the China date
    # (16:00 UTC) is picked up within the hour; an hour with nothing due is one index probe.
    @bp.periodic(cron="7 * * * *", periodic_id="lights")
    @bp.task(name=SWEEP_TASK, queue=DEFAULT_QUEUE, queueing_lock=SWEEP_TASK)
    async def sweep_lights(timestamp: int) -> int:
        async with runtime.db.sessionmaker() as session:
            moved = await sweep(session, get_today())
            await session.commit()
        return moved

    @bp.task(name=REFRESH_PLAN_TASK, queue=DEFAULT_QUEUE)
    async def refresh_plan_lights(plan_id: str) -> int:
        async with runtime.db.sessionmaker() as session:
            n = await refresh_plan(session, uuid.UUID(plan_id), get_today())
            await session.commit()
        return n

    @bp.periodic(cron="17 * * * *", periodic_id="audit_chain")
    @bp.task(name="verify_audit_chain", queue=DEFAULT_QUEUE, queueing_lock="verify_audit_chain")
    async def verify_audit(timestamp: int) -> str:
        peers = audit_peers(s)
        try:
            reports = await verify_audit_chains(runtime.db, peers)
        finally:
            for client in peers.values():
                await client.aclose()
        return "; ".join(r.describe() for r in reports)

    # Daily, at a quiet hour (UTC): rows past the retention move to each service's archive.
    @bp.periodic(cron="43 18 * * *", periodic_id="audit_archive")
    @bp.task(name="archive_audit", queue=DEFAULT_QUEUE, queueing_lock="archive_audit")
    async def archive_audit(timestamp: int) -> int:
        peers = audit_peers(s)
        try:
            done = await archive_audit_rows(runtime.db, peers, s.audit_retention_days)
        finally:
            for client in peers.values():
                await client.aclose()
        return sum(a.moved for a in done)

    @bp.task(name=JOB_TASK, queue=JOB_QUEUE)
    async def sheet_import(job_id: str) -> str:
        return await run_sheet_job(
            runtime.db.sessionmaker, SheetJob, uuid.UUID(job_id), SHEET_IMPORTERS
        )

    for register in REGISTRARS:
        register(bp, runtime)
    return bp


VERIFY_PATH = "/internal/v1/audit/verify"
BREAKS_PATH = "/internal/v1/audit/breaks"
ARCHIVE_PATH = "/internal/v1/audit/archive"


def audit_peers(s: Settings) -> dict[str, ServiceClient]:
    """The services whose audit upkeep the worker asks for (each in its own database)."""
    return {
        "gateway": ServiceClient(
            "网关", s.gateway_url, timeout=300.0, service_token=s.service_token
        ),
        "indicators": ServiceClient(
            "指标服务", s.indicators_url, timeout=300.0, service_token=s.service_token
        ),
    }


async def archive_audit_rows(
    db: Database, peers: dict[str, ServiceClient], retention_days: int
) -> list[Archived]:
    """Move audit rows past the retention to the archive in every service: this service's
    here, the others' by asking each (``POST /internal/v1/audit/archive``; each uses its own
    retention setting). The database function refuses rows younger than 183 days whatever the
    setting, and the archived rows stay in the chain the verification walks."""
    done = await archive_database(db, "tasks", retention_days)
    for name, client in peers.items():
        try:
            answer = await client.post_json(ARCHIVE_PATH, None)
        except Problem as exc:
            log.error("audit rows not archived", extra={"service": name, "reason": exc.detail})
            continue
        done += [Archived.model_validate(a) for a in answer]
    for a in done:
        log.info(
            "audit rows archived",
            extra={
                "chain": f"{a.service}.{a.table}",
                "moved": a.moved,
                "before": a.cutoff.isoformat(),
            },
        )
    return done


async def verify_audit_chains(db: Database, peers: dict[str, ServiceClient]) -> list[ChainStatus]:
    """The hourly check of every service's audit chains: this service's in its own database,
    the others' by asking each (``GET /internal/v1/audit/verify``, the service credential), so
    no service reads another's database. Each run logs every chain's head (a chain later found
    shorter than a logged head shows its newest rows were removed); each broken chain is logged
    as an error and recorded as a security event by the gateway (``peers["gateway"]``, once per
    distinct break); a service that cannot be asked is an error too (unverified, not intact)."""
    async with db.engine.connect() as conn:
        reports = [ChainStatus.of("tasks", await verify_chain(conn, "audit_event"))]
    for name, client in peers.items():
        try:
            answer = await client.get_json(VERIFY_PATH)
        except Problem as exc:
            log.error("audit chain not verified", extra={"service": name, "reason": exc.detail})
            continue
        reports += [ChainStatus.model_validate(r) for r in answer]
    for r in reports:
        chain = f"{r.service}.{r.table}"
        if r.ok:
            log.info(
                "audit chain intact",
                extra={"chain": chain, "rows": r.rows, "head_seq": r.head_seq, "head": r.head_hash},
            )
        else:
            log.error(
                "audit chain broken",
                extra={"chain": chain, "broken_seq": r.broken_seq, "reason": r.reason},
            )
    broken = [r for r in reports if not r.ok]
    if broken and "gateway" in peers:
        try:
            await peers["gateway"].post_json(
                BREAKS_PATH, [r.model_dump(mode="json") for r in broken]
            )
        except Problem as exc:
            log.error("audit chain break not recorded", extra={"reason": exc.detail})
    return reports


# The imports a large file runs as a job: the same ones the import routes run.
SHEET_IMPORTERS = {
    importer.kind.name: importer for importer in (units_sheet.IMPORTER, assignments_sheet.IMPORTER)
}


async def verify_audit_chain(db: Database) -> str:
    """The hourly check of this service's audit chain: the first broken link is logged as an
    error (for the operators' alerting); each run logs the chain's head, so a chain later found
    shorter than a logged head shows its newest rows were removed."""
    async with db.engine.connect() as conn:
        report = await verify_chain(conn, "audit_event")
    if report.ok:
        log.info(
            "audit chain intact",
            extra={"rows": report.rows, "head_seq": report.head_seq, "head": report.head_hash},
        )
        return f"ok {report.head_seq} {report.head_hash}"
    log.error(
        "audit chain broken",
        extra={"broken_seq": report.broken_seq, "reason": report.reason},
    )
    return f"broken {report.broken_seq}: {report.reason}"


_current_app: procrastinate.App | None = None


async def run(
    settings: Settings,
    *,
    name: str | None = None,
    wait: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the worker until ``stop`` is set or SIGTERM/SIGINT arrives (graceful: running jobs
    finish); with ``wait=False`` return once the queues are empty."""
    global _current_app
    name = worker_name(name)
    db = Database(settings.database_url, pool_size=settings.worker_concurrency * 2)
    http = httpx.AsyncClient(follow_redirects=False, trust_env=False)
    runtime = Runtime(settings=settings, db=db, name=name, http=http)
    runtime.senders = build_senders(settings, http)
    app = create_job_app(
        settings.database_url,
        blueprints=[build_blueprint(runtime)],
        # The queue's own connections only fetch and finish jobs (short statements); the jobs'
        # work runs on the service's engine above.
        max_size=4 + settings.worker_concurrency,
    )
    _current_app = app
    stop = stop_on_signals(stop)
    common = worker_options(wait=wait, stalled_seconds=settings.worker_stalled_seconds)
    try:
        async with app.open_async():
            runs: list[Awaitable[None]] = [
                app.run_worker_async(
                    queues=[DEFAULT_QUEUE],
                    name=f"{name}:default",
                    concurrency=settings.worker_concurrency,
                    **common,
                )
            ]
            # Large imports have their own slots: a long file never delays a reminder.
            runs.append(
                app.run_worker_async(
                    queues=[JOB_QUEUE],
                    name=f"{name}:{JOB_QUEUE}",
                    concurrency=max(1, settings.worker_concurrency // 2),
                    **common,
                )
            )
            runs.append(
                app.run_worker_async(
                    queues=[evaluation_renders.RENDER_QUEUE],
                    name=f"{name}:renders",
                    # One render at a time per process: each keeps a core busy for seconds.
                    concurrency=1,
                    **common,
                )
            )
            for channel in CHANNELS:
                runs.append(
                    app.run_worker_async(
                        queues=[delivery_queue(channel)],
                        name=f"{name}:{channel}",
                        concurrency=settings.worker_concurrency,
                        **common,
                    )
                )
            await run_until_stopped(runs, stop, name=name, log=log)
    finally:
        _current_app = None
        await http.aclose()
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    worker_main(
        argv,
        description="督导任务服务的后台作业进程",
        name_help="作业进程名（日志与投递记录中显示）",
        log_name="worker",
        settings=Settings,
        run=lambda settings, name, wait: run(settings, name=name, wait=wait),
    )


if __name__ == "__main__":
    main()
