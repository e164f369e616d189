"""Tamper-evident audit (issue 10): each service's audit rows are hash-chained by the database,
the services' role may insert but never change them, and the verifier (``dudao audit verify``)
finds the first broken link after a change or deletion made by hand as superuser."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from typer.testing import CliRunner

from dudao_cli.main import app as cli
from dudao_shared import migrate
from dudao_shared.audit_chain import APP_ROLE, AUDIT_TABLES, verify_database

SERVICES = ("gateway", "tasks", "indicators")


def _insert(service: str) -> tuple[str, list[object]]:
    """One audit row of ``service`` (the columns without defaults), as SQL and arguments."""
    if service == "gateway":
        return (
            "INSERT INTO security_event (id, at, action, actor, subject, outcome, detail) "
            "VALUES ($1, now(), 'login', $2, '', 'fail', '')",
            [str(uuid.uuid4()), None],
        )
    entity_id: object = uuid.uuid4() if service == "tasks" else str(uuid.uuid4())
    return (
        "INSERT INTO audit_event (id, at, actor_sub, actor_role, entity, entity_id, action) "
        "VALUES ($1, now(), $2, 'planner', 'indicator', $3, 'update')",
        [uuid.uuid4() if service == "tasks" else str(uuid.uuid4()), None, entity_id],
    )


def _actor_column(service: str) -> str:
    return "actor" if service == "gateway" else "actor_sub"


@pytest.fixture(scope="module")
def chain_dbs(databases) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """A fresh, migrated database per service (these tests commit)."""
    urls = {}
    for svc in SERVICES:
        url = databases.create(f"chain_{svc}")
        module = __import__(f"dudao_{svc}.migrations", fromlist=["MIGRATIONS_DIR"])
        migrate.upgrade(Path(module.MIGRATIONS_DIR), url)
        urls[svc] = url
    yield urls


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _append(url: str, service: str, actor: str, *, as_app: bool = True) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        async with conn.transaction():
            if as_app:
                await conn.execute(f"SET LOCAL ROLE {APP_ROLE}")
            sql, args = _insert(service)
            args[1] = actor
            await conn.execute(sql, *args)
    finally:
        await conn.close()


async def _table(service: str) -> str:
    return AUDIT_TABLES[service][0]


@pytest.mark.parametrize("service", SERVICES)
async def test_app_role_inserts_but_never_changes_audit_rows(chain_dbs, service: str) -> None:  # type: ignore[no-untyped-def]
    url = chain_dbs[service]
    table = await _table(service)
    for n in range(3):
        await _append(url, service, f"user{n}")
    conn = await asyncpg.connect(_dsn(url))
    try:
        for stmt in (
            f"UPDATE {table} SET {_actor_column(service)} = 'someone else'",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL ROLE {APP_ROLE}")
                    await conn.execute(stmt)
    finally:
        await conn.close()
    [report] = await verify_database(url, AUDIT_TABLES[service])
    assert report.ok and report.rows >= 3


@pytest.mark.parametrize("service", SERVICES)
async def test_concurrent_appends_keep_one_chain(chain_dbs, service: str) -> None:  # type: ignore[no-untyped-def]
    url = chain_dbs[service]
    [before] = await verify_database(url, AUDIT_TABLES[service])
    await asyncio.gather(*(_append(url, service, f"writer{n}") for n in range(20)))
    [after] = await verify_database(url, AUDIT_TABLES[service])
    assert after.ok, after
    assert after.rows == before.rows + 20 and after.head_seq == after.rows


@pytest.mark.parametrize("service", SERVICES)
async def test_verify_finds_the_first_row_changed_or_removed_by_hand(
    chain_dbs, service: str
) -> None:  # type: ignore[no-untyped-def]
    url = chain_dbs[service]
    table = await _table(service)
    for n in range(5):
        await _append(url, service, f"tamper{n}")
    [intact] = await verify_database(url, AUDIT_TABLES[service])
    assert intact.ok
    victim = intact.head_seq - 2
    conn = await asyncpg.connect(_dsn(url))
    try:
        # The issue's own attack: rewrite who did it, as the database superuser.
        original = await conn.fetchval(
            f"SELECT {_actor_column(service)} FROM {table} WHERE seq = $1", victim
        )
        await conn.execute(
            f"UPDATE {table} SET {_actor_column(service)} = 'x' WHERE seq = $1", victim
        )
        [changed] = await verify_database(url, AUDIT_TABLES[service])
        assert (changed.broken_seq, changed.ok) == (victim, False), changed
        await conn.execute(
            f"UPDATE {table} SET {_actor_column(service)} = $2 WHERE seq = $1", victim, original
        )
        assert (await verify_database(url, AUDIT_TABLES[service]))[0].ok
        await conn.execute(f"DELETE FROM {table} WHERE seq = $1", victim)
        [removed] = await verify_database(url, AUDIT_TABLES[service])
        assert removed.broken_seq == victim + 1 and not removed.ok, removed
    finally:
        await conn.close()


async def _remove_one_row_of_each(chain_dbs: dict[str, str]) -> None:
    for service, url in chain_dbs.items():
        for n in range(3):
            await _append(url, service, f"cli{n}")
        table = await _table(service)
        conn = await asyncpg.connect(_dsn(url))
        try:
            await conn.execute(
                f"DELETE FROM {table} WHERE seq = (SELECT max(seq) - 1 FROM {table})"
            )
        finally:
            await conn.close()


def test_cli_reports_the_broken_link(chain_dbs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for svc, url in chain_dbs.items():
        monkeypatch.setenv(f"DUDAO_{svc.upper()}_DATABASE_URL", url)
    # Its own hole in each chain: the test does not lean on the one an earlier test left.
    asyncio.run(_remove_one_row_of_each(chain_dbs))
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert result.output.count("断裂") == 3


async def test_services_can_connect_as_the_app_role(chain_dbs) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    from dudao_shared.audit_chain import enable_app_login

    url = chain_dbs["indicators"]
    await enable_app_login(url, "app-pw-'quoted")
    as_app = make_url(url).set(username=APP_ROLE, password="app-pw-'quoted")
    conn = await asyncpg.connect(_dsn(as_app.render_as_string(hide_password=False)))
    try:
        sql, args = _insert("indicators")
        args[1] = "via-login"
        await conn.execute(sql, *args)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM audit_event")
    finally:
        await conn.close()
