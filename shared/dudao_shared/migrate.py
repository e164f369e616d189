"""Run a service's Alembic migrations from code (CLI, start-up, tests)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection

from .audit_chain import is_archive_table
from .db import create_engine
from .jobs import is_queue_table


def _include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """The job queue's tables come from procrastinate's own SQL (one migration), and the audit
    archives are copies of their audit tables (``audit_chain.archive_statements``), not from
    the models, so autogenerate and ``alembic check`` leave them alone."""
    return not (type_ == "table" and (is_queue_table(name) or is_archive_table(name)))


def alembic_config(migrations_dir: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.attributes["dudao_url"] = url
    return cfg


def _in_thread(fn: Any, *args: Any) -> None:
    """Alembic's env runs its own event loop; keep it off any loop already running."""
    err: list[BaseException] = []

    def target() -> None:
        try:
            fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            err.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if err:
        raise err[0]


def upgrade(migrations_dir: Path, url: str, revision: str = "head") -> None:
    _in_thread(command.upgrade, alembic_config(migrations_dir, url), revision)


def downgrade(migrations_dir: Path, url: str, revision: str = "base") -> None:
    _in_thread(command.downgrade, alembic_config(migrations_dir, url), revision)


def run_env(context: Any, metadata: MetaData) -> None:
    """Body of every service's ``env.py`` (async engine, online mode only)."""
    config = context.config
    env_name = config.get_main_option("dudao.database_url_env") or ""
    url = (
        config.attributes.get("dudao_url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get(env_name)
    )
    if not url:
        raise RuntimeError(
            f"no database to migrate: pass -x url=postgresql://... or set {env_name}"
        )

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            include_name=_include_name,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
            await conn.commit()
        await engine.dispose()

    asyncio.run(main())


def pending_model_changes(migrations_dir: Path, url: str, metadata: MetaData) -> list[Any]:
    """What ``alembic check`` would report: differences between models and migrated schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    diffs: list[Any] = []

    def compare(conn: Connection) -> None:
        mc = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _include_name}
        )
        diffs.extend(compare_metadata(mc, metadata))

    async def main() -> None:
        engine = create_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(compare)
        await engine.dispose()

    _in_thread(asyncio.run, main())
    return diffs


def head_revision(migrations_dir: Path) -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    return ScriptDirectory.from_config(cfg).get_current_head()


__all__ = [
    "upgrade",
    "downgrade",
    "run_env",
    "pending_model_changes",
    "head_revision",
    "EnvironmentContext",
]
