"""Tamper evidence for audit tables: every row carries the hash of the one before it.

The chain is kept by PostgreSQL itself, in a ``BEFORE INSERT`` trigger, so no code path that
inserts an audit row can skip it: the trigger takes a transaction-scoped advisory lock on the
table's chain (concurrent appends queue there, in commit order), reads the head, and sets

    seq       = head.seq + 1                    (gapless: a row removed leaves a hole)
    prev_hash = head.hash                       ('' for the first row)
    hash      = sha256(prev_hash || row as jsonb without seq/prev_hash/hash)

A row changed afterwards no longer matches its hash, a row removed breaks the next row's
``prev_hash`` and the sequence. :func:`verify_chain` walks a table and reports the first broken
link; ``dudao audit verify`` and the periodic job run it for every service: each service
answers for its own database on ``GET /internal/v1/audit/verify`` (:func:`audit_router`, the
service credential only), so the job in the task service's worker never reads another
service's database.

The services' database role may INSERT into the audit tables but not UPDATE, DELETE or
TRUNCATE them (:func:`grant_statements`, applied by each service's migrations). Only the
owner (migrations, the archive step) can change them; the chain shows whether it did.
Deleting the newest rows is not visible from inside the table; the verify job records each
run's head (seq, hash) in the log, against which a shortened chain shows.

Retention: rows older than the retention move to ``<table>_archive`` (same columns, read-only
to the services' role), by a ``SECURITY DEFINER`` function the migrations create
(:func:`archive_statements`) which refuses to move anything younger than
:data:`RETENTION_MIN_DAYS` and always keeps the newest row (the trigger continues the chain from
it). Archived rows stay in the chain: :func:`verify_chain` walks archive and table together in
``seq`` order, so the kept rows' first ``prev_hash`` must still be the archived head's hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.sql.sqltypes import AutoString

from .clock import utcnow
from .context import AppState
from .db import Database, DatabaseDep
from .settings import ServiceSettings

if TYPE_CHECKING:
    from alembic.operations import Operations

# The settings the app factory stores (``dudao_shared.app`` imports too much for migrations).
ServiceSettingsDep = Annotated[ServiceSettings, Depends(AppState("settings", ServiceSettings))]

# The role the services connect as (README, docker-compose); created by the migrations.
APP_ROLE = "dudao_app"
# 网络安全法 §21 and 等保 8.1.5: logs kept at least six months (183 days, the longest).
RETENTION_MIN_DAYS = 183
# Timestamps render in the row's jsonb by the session time zone: fix it, so the trigger and the
# verifier hash the same text.
_UTC = "SET LOCAL timezone TO 'UTC'"


def _function(table: str) -> str:
    return f"audit_chain_{table}"


def chain_statements(table: str) -> list[str]:
    """DDL that chains ``table`` (which has ``seq bigint``, ``prev_hash`` and ``hash`` text
    columns): the trigger function and the trigger."""
    fn = _function(table)
    return [
        f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger
LANGUAGE plpgsql SET timezone TO 'UTC' AS $$
DECLARE
    head record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_chain:{table}'));
    SELECT seq, hash INTO head FROM {table} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
    NEW.seq := COALESCE(head.seq, 0) + 1;
    NEW.prev_hash := COALESCE(head.hash, '');
    NEW.hash := encode(sha256(convert_to(
        NEW.prev_hash || (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash')::text, 'UTF8')), 'hex');
    RETURN NEW;
END
$$""",
        f"DROP TRIGGER IF EXISTS {table}_chain ON {table}",
        f"CREATE TRIGGER {table}_chain BEFORE INSERT ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {fn}()",
    ]


def unchain_statements(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_chain ON {table}",
        f"DROP FUNCTION IF EXISTS {_function(table)}()",
    ]


def backfill_statement(table: str, order_by: str) -> str:
    """Chain rows written before the trigger existed, in ``order_by`` order (a migration step,
    run by the owner)."""
    return f"""
DO $$
DECLARE
    r record;
    prev text := '';
    n bigint := 0;
BEGIN
    {_UTC};
    FOR r IN SELECT ctid AS rid, t.* FROM {table} t ORDER BY {order_by} LOOP
        n := n + 1;
        UPDATE {table} t SET seq = n, prev_hash = prev,
            hash = encode(sha256(convert_to(prev || (
                to_jsonb(t) - 'seq' - 'prev_hash' - 'hash')::text, 'UTF8')), 'hex')
        WHERE t.ctid = r.rid
        RETURNING t.hash INTO prev;
    END LOOP;
END
$$"""


def grant_statements(audit_tables: list[str]) -> list[str]:
    """The services' role: everything on the business tables, INSERT and SELECT only on the
    audit tables (no UPDATE, DELETE or TRUNCATE), the same for tables made later."""
    role = APP_ROLE
    stmts = [
        f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {role} NOLOGIN;
    END IF;
END
$$""",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for table in audit_tables:
        stmts.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")
    return stmts


def archive_table(table: str) -> str:
    return f"{table}_archive"


def is_archive_table(name: str | None) -> bool:
    """An audit archive: made by :func:`archive_statements` (a copy of its table's columns),
    not by the models, so ``alembic check`` leaves it alone."""
    return name in {archive_table(t) for tables in AUDIT_TABLES.values() for t in tables}


def _archive_function(table: str) -> str:
    return f"audit_archive_{table}"


def archive_statements(table: str) -> list[str]:
    """DDL of ``table``'s archive: the table (its columns, in order, without the chain
    trigger), readable only by the services' role, and the one way rows get there: a
    function run with the owner's rights, which the services' role may call."""
    archive, fn, role = archive_table(table), _archive_function(table), APP_ROLE
    return [
        f"CREATE TABLE {archive} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
        f"ALTER TABLE {archive} ADD PRIMARY KEY (seq)",
        f"REVOKE ALL ON {archive} FROM {role}",
        f"GRANT SELECT ON {archive} TO {role}",
        f"""
CREATE OR REPLACE FUNCTION {fn}(cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    moved bigint;
BEGIN
    IF cutoff > now() - interval '{RETENTION_MIN_DAYS} days' THEN
        RAISE EXCEPTION 'audit rows are kept for at least {RETENTION_MIN_DAYS} days'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- The chain's lock: no row is appended while rows move, and the newest stays, so the
    -- trigger goes on from the true head.
    PERFORM pg_advisory_xact_lock(hashtext('audit_chain:{table}'));
    WITH gone AS (
        DELETE FROM {table}
        WHERE at < cutoff AND seq < (SELECT max(seq) FROM {table})
        RETURNING *
    )
    INSERT INTO {archive} SELECT * FROM gone;
    GET DIAGNOSTICS moved = ROW_COUNT;
    RETURN moved;
END
$$""",
        f"REVOKE ALL ON FUNCTION {fn}(timestamptz) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {fn}(timestamptz) TO {role}",
    ]


def unarchive_statements(table: str) -> list[str]:
    """Put archived rows back (as they were: the chain trigger is held off) and drop the
    archive, so a downgrade loses no audit row."""
    archive = archive_table(table)
    return [
        f"ALTER TABLE {table} DISABLE TRIGGER {table}_chain",
        f"INSERT INTO {table} SELECT * FROM {archive}",
        f"ALTER TABLE {table} ENABLE TRIGGER {table}_chain",
        f"DROP FUNCTION IF EXISTS {_archive_function(table)}(timestamptz)",
        f"DROP TABLE {archive}",
    ]


async def archive_older(conn: AsyncConnection, table: str, cutoff: dt.datetime) -> int:
    """Move ``table``'s rows written before ``cutoff`` to its archive; how many moved."""
    moved = await conn.execute(
        text(f"SELECT {_archive_function(table)}(:cutoff)"), {"cutoff": cutoff}
    )
    return int(moved.scalar_one())


def upgrade_chains(op: Operations, tables: Sequence[str], *, existing_rows: bool = True) -> None:
    """The migration that makes ``tables`` a service's audit tables (each service's runs this,
    so all chains are built alike): with ``existing_rows``, add the chain columns (their
    models declare them), chain the rows already there by time (``at, id``) and require
    ``seq``; then the trigger of each, and the services' role (insert, never change)."""
    for table in tables:
        if existing_rows:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
                batch_op.add_column(sa.Column("prev_hash", AutoString(length=64), nullable=True))
                batch_op.add_column(sa.Column("hash", AutoString(length=64), nullable=True))
                batch_op.create_unique_constraint(f"{table}_seq_key", ["seq"])
            op.execute(backfill_statement(table, "at, id"))
            op.alter_column(table, "seq", nullable=False)
        for stmt in chain_statements(table):
            op.execute(stmt)
    for stmt in grant_statements(list(tables)):
        op.execute(stmt)


def downgrade_chains(op: Operations, tables: Sequence[str], *, existing_rows: bool = True) -> None:
    """Undo :func:`upgrade_chains` (the role and its grants stay: other tables use them)."""
    for table in tables:
        for stmt in unchain_statements(table):
            op.execute(stmt)
        if existing_rows:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_constraint(f"{table}_seq_key", type_="unique")
                batch_op.drop_column("hash")
                batch_op.drop_column("prev_hash")
                batch_op.drop_column("seq")


def upgrade_archives(op: Operations, tables: Sequence[str]) -> None:
    """The migration that gives each of ``tables`` its archive (:func:`archive_statements`)."""
    for table in tables:
        for stmt in archive_statements(table):
            op.execute(stmt)


def downgrade_archives(op: Operations, tables: Sequence[str]) -> None:
    for table in tables:
        for stmt in unarchive_statements(table):
            op.execute(stmt)


@dataclass(frozen=True, slots=True)
class ChainReport:
    table: str
    rows: int
    head_seq: int
    head_hash: str
    # The first row whose link does not hold (None: the chain is intact), and why.
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


async def verify_chain(conn: AsyncConnection, table: str) -> ChainReport:
    """Recompute every link of ``table``'s chain; report the first that does not hold."""
    await conn.execute(text(_UTC))
    source = table
    archive = archive_table(table)
    if (await conn.execute(text("SELECT to_regclass(:t)"), {"t": archive})).scalar_one():
        # Archived rows are the chain's beginning: verified with the kept ones, in seq order.
        source = f"(SELECT * FROM {archive} UNION ALL SELECT * FROM {table})"
    rows = (
        await conn.execute(
            text(
                f"SELECT seq, prev_hash, hash, encode(sha256(convert_to(prev_hash || "
                f"(to_jsonb(t) - 'seq' - 'prev_hash' - 'hash')::text, 'UTF8')), 'hex') "
                f"FROM {source} t ORDER BY seq NULLS FIRST"
            )
        )
    ).all()
    expected_seq, prev = 1, ""
    for seq, prev_hash, hash_, recomputed in rows:
        reason = None
        if seq is None:
            reason = "行未入链（无序号）"
        elif seq != expected_seq:
            reason = f"序号不连续：应为 {expected_seq}，实为 {seq}（其间的行被删除）"
        elif prev_hash != prev:
            reason = "与前一行的哈希不衔接（前一行被修改或删除）"
        elif hash_ != recomputed:
            reason = "本行内容与其哈希不符（被修改）"
        if reason is not None:
            return ChainReport(table, len(rows), expected_seq - 1, prev, seq or 0, reason)
        expected_seq, prev = seq + 1, hash_
    return ChainReport(table, len(rows), expected_seq - 1, prev)


# Each service's chained tables.
AUDIT_TABLES: dict[str, tuple[str, ...]] = {
    "gateway": ("security_event",),
    "tasks": ("audit_event",),
    "indicators": ("audit_event",),
}


class ChainStatus(BaseModel):
    """One table's chain as verified, as the services report it to each other."""

    service: str
    table: str
    rows: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None

    @classmethod
    def of(cls, service: str, report: ChainReport) -> ChainStatus:
        return cls(
            service=service,
            table=report.table,
            rows=report.rows,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            broken_seq=report.broken_seq,
            reason=report.reason,
        )

    @property
    def ok(self) -> bool:
        return self.broken_seq is None

    def describe(self) -> str:
        where = f"{self.service}.{self.table}"
        if self.ok:
            return f"{where}：{self.rows} 条，链完整（末条 #{self.head_seq}）"
        return f"{where}：第 {self.broken_seq} 条断裂：{self.reason}（此前 {self.head_seq} 条完整）"


class Archived(BaseModel):
    service: str
    table: str
    cutoff: dt.datetime
    moved: int


def audit_router(service: str) -> APIRouter:
    """This service's audit upkeep in its own database, for the worker's periodic jobs (mount
    among the public routers: the ``/internal`` guard admits the service credential only):
    ``GET /internal/v1/audit/verify`` verifies its chains, ``POST /internal/v1/audit/archive``
    moves rows older than its ``audit_retention_days`` to the archive."""
    router = APIRouter(prefix="/internal/v1/audit", tags=["internal"])

    @router.get("/verify", response_model=list[ChainStatus], include_in_schema=False)
    async def verify_audit_chains(db: DatabaseDep) -> list[ChainStatus]:
        """校验本服务审计记录的哈希链"""
        async with db.engine.connect() as conn:
            return [
                ChainStatus.of(service, await verify_chain(conn, table))
                for table in AUDIT_TABLES[service]
            ]

    @router.post("/archive", response_model=list[Archived], include_in_schema=False)
    async def archive_audit(db: DatabaseDep, settings: ServiceSettingsDep) -> list[Archived]:
        """把超过保存期限的审计记录移入归档表（仍在哈希链中，不删除）"""
        return await archive_database(db, service, settings.audit_retention_days)

    return router


async def archive_database(db: Database, service: str, retention_days: int) -> list[Archived]:
    """Archive every audit table of one service's database, each in its own transaction."""
    cutoff = utcnow() - dt.timedelta(days=retention_days)
    out = []
    for table in AUDIT_TABLES[service]:
        async with db.engine.begin() as conn:
            moved = await archive_older(conn, table, cutoff)
        out.append(Archived(service=service, table=table, cutoff=cutoff, moved=moved))
    return out


async def verify_database(url: str, tables: tuple[str, ...]) -> list[ChainReport]:
    """Verify every chained table of one service's database."""
    from .db import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return [await verify_chain(conn, table) for table in tables]
    finally:
        await engine.dispose()


async def enable_app_login(url: str, password: str) -> None:
    """Let the services' role log in with ``password`` (run as the owner, after migrating)."""
    from .db import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            quoted = (
                await conn.execute(text("SELECT quote_literal(:p)"), {"p": password})
            ).scalar_one()
            await conn.execute(text(f"ALTER ROLE {APP_ROLE} LOGIN PASSWORD {quoted}"))
    finally:
        await engine.dispose()
