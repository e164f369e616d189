"""The job queue: procrastinate on the service's own PostgreSQL database.

One way to build the queue for a service (``create_job_app``), one way to defer a job inside
the caller's own transaction (``defer_in``: the job exists exactly when the change that asked
for it commits), and procrastinate's schema as SQL for the service's Alembic history
(``schema_sql``), so ``dudao migrate`` installs it like any other table.

Workers on any number of machines share the queue: a job is fetched by one worker only
(``SELECT … FOR UPDATE SKIP LOCKED`` inside procrastinate), periodic jobs are deferred once per
tick whatever the number of workers (a unique key on task and timestamp), and a job whose
worker died is found by its missing heartbeat and run again (``retry_stalled_jobs``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from importlib import resources
from typing import Any, TypeVar

import procrastinate
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import await_

from .db import async_url
from .logs import configure_logging
from .settings import ServiceSettings

log = logging.getLogger("dudao.jobs")

S = TypeVar("S", bound=ServiceSettings)

# A worker that sent no heartbeat for this long is taken as dead and its running jobs retried.
STALLED_AFTER_SECONDS = 30.0


def conninfo(url: str) -> str:
    """A libpq URI for psycopg from any PostgreSQL URL the services accept (a unix-socket
    ``?host=/dir`` included)."""
    u = make_url(url)
    async_url(url)  # refuses anything but PostgreSQL, with the same message as the services
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def create_job_app(
    database_url: str,
    *,
    blueprints: Iterable[procrastinate.Blueprint] = (),
    min_size: int = 1,
    max_size: int = 10,
) -> procrastinate.App:
    """The procrastinate app of a service's database, with the service's tasks added."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url),
        min_size=min_size,
        max_size=max_size,
        # Jobs carry ids, dates and short text; a date is written as its ISO form.
        json_dumps=lambda obj: json.dumps(obj, default=_json_default),
    )
    app = procrastinate.App(connector=connector)
    for blueprint in blueprints:
        app.add_tasks_from(blueprint, namespace="")
    return app


def _json_default(obj: object) -> str:
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    return str(obj)


def schema_sql() -> str:
    """procrastinate's schema (tables, types, functions, triggers) for the pinned version."""
    return (resources.files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8")


# The reverse of ``schema_sql`` for a migration's downgrade: everything it created carries the
# ``procrastinate_`` prefix.
DROP_SCHEMA_SQL = r"""
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables
           WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\_%' LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\_%' LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.sig);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t
           JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\_%'
             AND t.typtype IN ('e', 'c') LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
  END LOOP;
END $$;
"""


def run_script(connection: Connection, sql: str) -> None:
    """Run a multi-statement SQL script on a migration's connection. asyncpg prepares every
    statement it is given, and a prepared statement holds one command, so the script goes
    through asyncpg's simple-query ``execute`` instead."""
    driver: Any = connection.connection.driver_connection
    await_(driver.execute(sql))


def install_schema(connection: Connection) -> None:
    run_script(connection, schema_sql())


def drop_schema(connection: Connection) -> None:
    run_script(connection, DROP_SCHEMA_SQL)


def is_queue_table(name: str | None) -> bool:
    """Tables owned by procrastinate: installed by a migration, absent from the models."""
    return bool(name) and str(name).startswith("procrastinate_")


_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    ":queue, :task, :priority, :lock, :queueing_lock, CAST(:args AS jsonb), :scheduled_at"
    ")::procrastinate_job_to_defer_v1])) AS id"
)


async def defer_in(
    session: AsyncSession,
    task_name: str,
    *,
    queue: str = "default",
    args: dict[str, Any] | None = None,
    lock: str | None = None,
    schedule_at: dt.datetime | None = None,
    priority: int = 0,
) -> int:
    """Defer a job in the session's transaction: committed with the change that asked for it,
    rolled back with it. Returns the job id."""
    result = await session.execute(
        _DEFER,
        {
            "queue": queue,
            "task": task_name,
            "priority": priority,
            "lock": lock,
            # Queueing locks raise on conflict, which would abort the caller's transaction;
            # callers dedupe with their own unique keys before deferring instead.
            "queueing_lock": None,
            "args": json.dumps(args or {}, default=_json_default),
            "scheduled_at": schedule_at,
        },
    )
    return int(result.scalar_one())


async def retry_stalled_jobs(app: procrastinate.App, seconds: float = STALLED_AFTER_SECONDS) -> int:
    """Run again the jobs of workers that stopped sending heartbeats (killed, lost power)."""
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds))
    for job in stalled:
        assert job.id is not None
        log.warning("retrying job %s (%s) of a stalled worker", job.id, job.task_name)
        await app.job_manager.retry_job(job)
    return len(stalled)


# --- a service's worker process ---------------------------------------------------------------


def worker_name(name: str | None) -> str:
    """The worker's name in logs (and delivery records): given, or host and process."""
    return name or f"{socket.gethostname()}-{os.getpid()}"


def stop_on_signals(stop: asyncio.Event | None = None) -> asyncio.Event:
    """The event a worker stops on, set by SIGTERM/SIGINT too (graceful: running jobs finish)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    return stop


def worker_options(*, wait: bool, stalled_seconds: float) -> dict[str, Any]:
    """``run_worker_async`` options every worker of every queue shares: the process handles
    signals itself (``stop_on_signals``), a heartbeat three times per stalled period."""
    return {
        "wait": wait,
        "install_signal_handlers": False,
        "shutdown_graceful_timeout": 10.0,
        "fetch_job_polling_interval": 2.0,
        "delete_jobs": "successful",
        "update_heartbeat_interval": max(0.5, stalled_seconds / 3),
        "stalled_worker_timeout": stalled_seconds,
    }


async def run_until_stopped(
    runs: Iterable[Awaitable[Any]], stop: asyncio.Event, *, name: str, log: logging.Logger
) -> None:
    """Run the queues' workers until they end (``wait=False``: queues empty) or ``stop`` is
    set, which cancels them (procrastinate lets running jobs finish first)."""
    workers: asyncio.Future[Any] = asyncio.gather(*runs)
    stopper: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({workers, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if stopper in done:
        log.info("worker %s stopping", name)
        workers.cancel()
    else:
        stopper.cancel()
    try:
        await workers
    except asyncio.CancelledError:
        pass


def worker_main(
    argv: list[str] | None,
    *,
    description: str,
    name_help: str,
    log_name: str,
    settings: Callable[[], S],
    run: Callable[[S, str | None, bool], Coroutine[Any, Any, None]],
) -> None:
    """A service worker's command line: ``--name``, ``--once`` (return when the queues are
    empty), logging configured from the service's settings."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--name", default=None, help=name_help)
    parser.add_argument(
        "--once", action="store_true", help="处理完队列中已有的作业后退出（不等待新作业）"
    )
    args = parser.parse_args(argv)
    config = settings()
    configure_logging(log_name, config.log_level, json=config.log_json)
    asyncio.run(run(config, args.name, not args.once))
