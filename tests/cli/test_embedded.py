"""The embedded PostgreSQL of `dudao run`: started in its data directory, a database per
service, stopped with no process left, and started again on the same data."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg

from dudao_cli.embedded import EmbeddedPostgres, process_alive

SERVICES = ["gateway", "tasks", "indicators"]


def test_start_stop_and_reuse() -> None:
    # Not under pytest's tmp_path: as root the server runs as another user, which must traverse
    # the parents, and every pytest session on the machine makes /tmp/pytest-of-<user> 0700.
    with tempfile.TemporaryDirectory(prefix="dudao-pg-") as tmp:
        _start_stop_and_reuse(Path(tmp) / "var" / "pg")


def _start_stop_and_reuse(pgdata: Path) -> None:
    first = EmbeddedPostgres(pgdata)
    first.start()
    try:
        assert first.started_here and first.initialised_here
        assert first.ensure_databases(SERVICES) == SERVICES
        assert first.ensure_databases(SERVICES) == []
        with psycopg.connect(first.url("tasks"), autocommit=True) as conn:
            version = conn.execute("SHOW server_version_num").fetchone()
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('survives a restart')")
        assert version is not None and int(version[0]) >= 180000
        pid = first.running_pid()
        assert pid is not None
    finally:
        assert first.stop()
    assert not process_alive(pid)
    assert first.running_pid() is None
    assert not first.stop()

    second = EmbeddedPostgres(pgdata)
    second.start()
    try:
        assert second.started_here and not second.initialised_here
        assert second.ensure_databases(SERVICES) == []
        with psycopg.connect(second.url("tasks")) as conn:
            assert conn.execute("SELECT note FROM kept").fetchall() == [("survives a restart",)]
        # A second handle on a running server attaches to it and does not own it.
        beside = EmbeddedPostgres(pgdata)
        beside.start()
        assert not beside.started_here
        assert beside.running_pid() == second.running_pid()
    finally:
        second.stop()
    assert second.running_pid() is None
