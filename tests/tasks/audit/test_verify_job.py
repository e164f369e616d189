"""The worker's periodic check of the audit chains (issue 10): it reads the chain the database
keeps and answers with its head, or with the first broken link; the other services' chains it
asks them for over HTTP, and a break anywhere becomes a security event in the gateway."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from harness import app_lifespan

from dudao_gateway.config import Settings as GatewaySettings
from dudao_gateway.main import create_app as create_gateway
from dudao_indicators.config import Settings as IndicatorSettings
from dudao_indicators.main import create_app as create_indicators
from dudao_shared import migrate
from dudao_shared.audit_chain import APP_ROLE, AUDIT_TABLES, backfill_statement
from dudao_shared.db import Database
from dudao_shared.http import ServiceClient
from dudao_shared.security import SERVICE_TOKEN_HEADER
from dudao_tasks.migrations import MIGRATIONS_DIR
from dudao_tasks.worker import archive_audit_rows, verify_audit_chain, verify_audit_chains


async def test_periodic_job_reports_the_first_broken_link(databases) -> None:  # type: ignore[no-untyped-def]
    url = databases.create("chain_job")
    migrate.upgrade(Path(MIGRATIONS_DIR), url)
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            for n in range(3):
                await conn.exec_driver_sql(
                    "INSERT INTO audit_event (id, at, actor_sub, actor_role, entity, entity_id,"
                    " action) VALUES (gen_random_uuid(), now(), $1, 'admin', 'plan',"
                    " gen_random_uuid(), 'create')",
                    (f"u{n}",),
                )
        assert (await verify_audit_chain(db)).startswith("ok 3 ")
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("UPDATE audit_event SET action = 'x' WHERE seq = 2")
        assert (await verify_audit_chain(db)).startswith("broken 2:")
    finally:
        await db.dispose()


SERVICE_TOKEN = "service-token-for-the-chain-verification-0123456789"


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _superuser(url: str, sql: str, *args: object) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def _add_rows(urls: dict[str, str]) -> None:
    for n in range(3):
        await _superuser(
            urls["gateway"],
            "INSERT INTO security_event (id, at, action, actor, subject, outcome, detail) "
            "VALUES ($1, now(), 'login', $2, '', 'fail', '')",
            str(uuid.uuid4()),
            f"u{n}",
        )
        await _superuser(
            urls["tasks"],
            "INSERT INTO audit_event (id, at, actor_sub, actor_role, entity, entity_id, action)"
            " VALUES (gen_random_uuid(), now(), $1, 'admin', 'plan', gen_random_uuid(), 'create')",
            f"u{n}",
        )
        await _superuser(
            urls["indicators"],
            "INSERT INTO audit_event (id, at, actor_sub, actor_role, entity, entity_id, action)"
            " VALUES ($1, now(), $2, 'planner', 'indicator', $3, 'update')",
            str(uuid.uuid4()),
            f"u{n}",
            str(uuid.uuid4()),
        )


@pytest.fixture
async def three_services(databases, keypair):  # type: ignore[no-untyped-def]
    """Each service's own fresh database (this test commits), the gateway and the indicator
    service in-process, and the clients the worker asks them with (the service credential)."""
    urls = {}
    for svc in ("gateway", "tasks", "indicators"):
        urls[svc] = databases.create(f"verify_{svc}")
        module = importlib.import_module(f"dudao_{svc}.migrations")
        migrate.upgrade(Path(module.MIGRATIONS_DIR), urls[svc])
    gateway = create_gateway(
        GatewaySettings(
            environment="test",
            database_url=urls["gateway"],
            jwt_private_key=keypair[0],
            tasks_url="http://127.0.0.1:9",
            indicators_url="http://127.0.0.1:9",
            log_requests=False,
            service_token=SERVICE_TOKEN,
        )
    )
    indicators = create_indicators(
        IndicatorSettings(
            environment="test",
            database_url=urls["indicators"],
            jwt_public_key=keypair[1],
            service_token=SERVICE_TOKEN,
        )
    )
    db = Database(urls["tasks"])
    async with app_lifespan(gateway.api), app_lifespan(indicators):
        peers = {
            name: ServiceClient(
                name,
                "http://peer",
                transport=httpx.ASGITransport(app=app),
                service_token=SERVICE_TOKEN,
            )
            for name, app in (("gateway", gateway), ("indicators", indicators))
        }
        try:
            yield urls, db, peers
        finally:
            for client in peers.values():
                await client.aclose()
            await db.dispose()


async def _chain_breaks(url: str) -> list[tuple[str, str]]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT subject, detail FROM security_event WHERE action = 'audit_chain_broken'"
            " ORDER BY seq"
        )
    finally:
        await conn.close()
    return [(r["subject"], r["detail"]) for r in rows]


async def test_worker_verifies_every_services_chain_and_records_breaks(three_services) -> None:  # type: ignore[no-untyped-def]
    urls, db, peers = three_services
    await _add_rows(urls)
    reports = await verify_audit_chains(db, peers)
    assert {(r.service, r.table, r.rows, r.ok) for r in reports} == {
        ("tasks", "audit_event", 3, True),
        ("indicators", "audit_event", 3, True),
        ("gateway", "security_event", 3, True),
    }
    assert await _chain_breaks(urls["gateway"]) == []

    # Changed by hand, as the superuser (the services' role could not): one row in each.
    await _superuser(urls["tasks"], "UPDATE audit_event SET actor_sub = 'x' WHERE seq = 2")
    await _superuser(urls["indicators"], "UPDATE audit_event SET action = 'x' WHERE seq = 3")
    await _superuser(urls["gateway"], "UPDATE security_event SET actor = 'x' WHERE seq = 1")
    reports = await verify_audit_chains(db, peers)
    broken = {(r.service, r.broken_seq) for r in reports if not r.ok}
    assert broken == {("tasks", 2), ("indicators", 3), ("gateway", 1)}
    recorded = await _chain_breaks(urls["gateway"])
    assert sorted(subject for subject, _ in recorded) == [
        "gateway.security_event",
        "indicators.audit_event",
        "tasks.audit_event",
    ]
    assert all("断裂" in detail for _, detail in recorded)

    # The hourly run finds the same breaks again: they are not news, nothing more is recorded;
    # the gateway's own chain, extended by its records, still shows its first break.
    again = await verify_audit_chains(db, peers)
    assert {(r.service, r.broken_seq) for r in again if not r.ok} == broken
    assert len(await _chain_breaks(urls["gateway"])) == 3


async def test_verify_route_needs_the_service_credential(three_services) -> None:  # type: ignore[no-untyped-def]
    _, _, peers = three_services
    for client in peers.values():
        r = await client._client.get(
            "/internal/v1/audit/verify", headers={SERVICE_TOKEN_HEADER: ""}
        )
        assert r.status_code == 401 and r.json()["code"] == "service_credential_required"
        r = await client._client.post(
            "/internal/v1/audit/breaks", json=[], headers={SERVICE_TOKEN_HEADER: ""}
        )
        assert r.status_code == 401


async def _add_old_rows(urls: dict[str, str], days_ago: int) -> None:
    """Three more rows in each service, dated ``days_ago`` (their place in the chain is their
    insertion order, as for any row)."""
    await _add_rows(urls)
    for svc, url in urls.items():
        table = AUDIT_TABLES[svc][0]
        await _superuser(
            url,
            f"UPDATE {table} SET at = now() - make_interval(days => $1)"
            f" WHERE seq > (SELECT max(seq) - 3 FROM {table})",
            days_ago,
        )


async def test_archive_moves_old_rows_and_the_chain_still_verifies(three_services) -> None:  # type: ignore[no-untyped-def]
    urls, db, peers = three_services
    await _add_rows(urls)  # seq 1-3: recent
    for svc, url in urls.items():  # now seq 1-3 written 400 days ago
        table = AUDIT_TABLES[svc][0]
        await _superuser(url, f"UPDATE {table} SET at = now() - interval '400 days'")
    await _add_old_rows(urls, 200)  # seq 4-6: 200 days ago, inside a 365-day retention
    await _add_rows(urls)  # seq 7-9: recent
    # The hash covers `at`: dating rows by hand breaks the chain; re-chain as a migration would.
    for svc, url in urls.items():
        table = AUDIT_TABLES[svc][0]
        await _superuser(url, f"ALTER TABLE {table} DROP CONSTRAINT {table}_seq_key")
        await _superuser(url, backfill_statement(table, "seq"))
        await _superuser(url, f"ALTER TABLE {table} ADD CONSTRAINT {table}_seq_key UNIQUE (seq)")
    assert all(r.ok for r in await verify_audit_chains(db, peers))

    done = await archive_audit_rows(db, peers, 365)
    assert {(a.service, a.moved) for a in done} == {
        ("tasks", 3),
        ("indicators", 3),
        ("gateway", 3),
    }
    for svc, url in urls.items():
        table = AUDIT_TABLES[svc][0]
        conn = await asyncpg.connect(_dsn(url))
        try:
            archived = [r["seq"] for r in await conn.fetch(f"SELECT seq FROM {table}_archive")]
            kept = [r["seq"] for r in await conn.fetch(f"SELECT seq FROM {table} ORDER BY seq")]
            # The kept chain starts from the archived head's hash.
            head = await conn.fetchval(f"SELECT hash FROM {table}_archive WHERE seq = 3")
            first = await conn.fetchval(f"SELECT prev_hash FROM {table} WHERE seq = 4")
        finally:
            await conn.close()
        assert (sorted(archived), kept, first) == ([1, 2, 3], [4, 5, 6, 7, 8, 9], head), svc
    reports = await verify_audit_chains(db, peers)
    assert {(r.service, r.rows, r.head_seq, r.ok) for r in reports} == {
        ("tasks", 9, 9, True),
        ("indicators", 9, 9, True),
        ("gateway", 9, 9, True),
    }
    # Nothing younger than the retention moves, and a second run moves nothing more.
    assert sum(a.moved for a in await archive_audit_rows(db, peers, 365)) == 0
    # New rows go on from the kept head.
    await _add_rows(urls)
    assert all(r.ok and r.head_seq == 12 for r in await verify_audit_chains(db, peers))

    for svc, url in urls.items():
        table = AUDIT_TABLES[svc][0]
        conn = await asyncpg.connect(_dsn(url))
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE {APP_ROLE}")
                # The services' role reads the archive and calls the archiving, nothing else:
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(f"UPDATE {table}_archive SET hash = 'x'")
            for statement in (f"DELETE FROM {table}_archive", f"TRUNCATE {table}_archive"):
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL ROLE {APP_ROLE}")
                    with pytest.raises(asyncpg.InsufficientPrivilegeError):
                        await conn.execute(statement)
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE {APP_ROLE}")
                # … and not for rows younger than 183 days, whatever a setting says.
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(f"SELECT audit_archive_{table}(now() - interval '182 days')")
        finally:
            await conn.close()
        # An archived row changed by hand breaks the chain where it stands.
        await _superuser(url, f"UPDATE {table}_archive SET prev_hash = 'x' WHERE seq = 2")
    broken = {(r.service, r.broken_seq) for r in await verify_audit_chains(db, peers) if not r.ok}
    assert broken == {("tasks", 2), ("indicators", 2), ("gateway", 2)}


async def test_archive_keeps_the_newest_row_however_old(three_services) -> None:  # type: ignore[no-untyped-def]
    """The chain goes on from the newest row in the table: it never moves."""
    urls, db, peers = three_services
    await _add_rows(urls)
    for svc, url in urls.items():
        table = AUDIT_TABLES[svc][0]
        await _superuser(url, f"UPDATE {table} SET at = now() - interval '400 days'")
        await _superuser(url, f"ALTER TABLE {table} DROP CONSTRAINT {table}_seq_key")
        await _superuser(url, backfill_statement(table, "seq"))
        await _superuser(url, f"ALTER TABLE {table} ADD CONSTRAINT {table}_seq_key UNIQUE (seq)")
    assert {a.moved for a in await archive_audit_rows(db, peers, 365)} == {2}
    await _add_rows(urls)
    assert all(r.ok and r.head_seq == 6 for r in await verify_audit_chains(db, peers))
