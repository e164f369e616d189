"""Every list is a keyset page its indexes serve: no list query scans a large table.

A database of 20,000 tasks (40,000 assignments, 6,000 units) from the benchmark generator;
each list route is called — first page and the page after — with each filter and order, every
SELECT it sends is captured, and PostgreSQL's plan for it must hold no sequential scan over a
table of more than 5,000 rows. A missing index shows up here, not at province scale.

Each statement is planned twice: with its values (the custom plan) and as the generic plan
asyncpg's prepared statements switch to after five executions, which knows no values and may
pick another index, or none.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from harness import app_lifespan, client_for
from sqlalchemy import event

from dudao_shared import migrate
from dudao_tasks.config import Settings
from dudao_tasks.main import create_app
from dudao_tasks.migrations import MIGRATIONS_DIR

LARGE = 5_000
UNITS = 6_000  # more than LARGE: a plan's per-unit summary must not scan every unit


def _generator() -> Any:
    path = Path(__file__).resolve().parents[2] / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _id(kind: str) -> str:
    """The generator's ids: md5(kind || n)::uuid."""
    import hashlib

    return str(uuid.UUID(hashlib.md5(kind.encode()).hexdigest()))


@pytest.fixture(scope="module")
def big_db(databases, anyio_backend: str = "asyncio") -> str:  # type: ignore[no-untyped-def]
    import asyncio

    url = databases.create("tasks_big")
    migrate.upgrade(MIGRATIONS_DIR, url)
    asyncio.run(
        _generator().generate(
            url, regions=100, units=UNITS, task_count=20_000, today=dt.date(2026, 6, 1)
        )
    )
    return url


@pytest.fixture
async def big_app(big_db: str, keypair: tuple[str, str]) -> AsyncIterator[Any]:
    app = create_app(
        Settings(
            environment="test",
            database_url=big_db,
            jwt_public_key=keypair[1],
            storage_dir="/nonexistent",
        )
    )
    async with app_lifespan(app):
        yield app


class Captured:
    def __init__(self) -> None:
        self.selects: list[tuple[str, Any]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.selects.append((statement, params))


@pytest.fixture
async def captured(big_app: Any) -> AsyncIterator[Captured]:
    """Every SELECT the app sends: through the session (SQLAlchemy's cursor event) and
    straight on the driver (``dudao_shared.prepared``: asyncpg's query logger on each pooled
    connection, so the pool is emptied first and every connection is made with it)."""
    cap = Captured()
    engine = big_app.state.db.engine
    await engine.dispose()

    def on_driver_query(record: Any) -> None:
        cap(None, None, record.query, record.args)

    def on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection._connection.add_query_logger(on_driver_query)

    event.listen(engine.sync_engine, "before_cursor_execute", cap)
    event.listen(engine.sync_engine.pool, "connect", on_connect)
    yield cap
    event.remove(engine.sync_engine, "before_cursor_execute", cap)
    event.remove(engine.sync_engine.pool, "connect", on_connect)


def _seq_scans(node: dict[str, Any]) -> Iterator[str]:
    if node.get("Node Type") == "Seq Scan":
        yield node["Relation Name"]
    for child in node.get("Plans", []):
        yield from _seq_scans(child)


async def test_every_list_query_uses_an_index(big_db, big_app, captured, make_token) -> None:  # type: ignore[no-untyped-def]
    plan, task, assignment = _id("plan3"), _id("task3005"), _id("asg3005lead")
    unit = _id(f"unit{3005 * 7919 % UNITS}")  # the lead unit of task 3005 (generate.py)
    staff = make_token("admin")
    unit_token = make_token("unit", unit_id=unit, sub=f"unit:{unit}")
    routes: list[tuple[str, str, dict[str, Any]]] = [
        (staff, "/api/v1/plans", {}),
        (staff, "/api/v1/units", {}),
        (staff, "/api/v1/units", {"region_code": "360017"}),
        (staff, "/api/v1/units", {"order": "-created_at"}),
        (staff, "/api/v1/units", {"order": "region_code"}),
        (staff, f"/api/v1/plans/{plan}/items", {}),
        (staff, f"/api/v1/plans/{plan}/tasks", {}),
        (staff, f"/api/v1/plans/{plan}/tasks", {"status": "returned"}),
        (staff, f"/api/v1/plans/{plan}/tasks", {"light": "red"}),
        (unit_token, f"/api/v1/plans/{plan}/tasks", {}),
        (staff, f"/api/v1/plans/{plan}/lights", {}),
        (staff, f"/api/v1/plans/{plan}/lights/units", {}),
        (staff, f"/api/v1/plans/{plan}/lights/units", {"light": "red"}),
        (staff, f"/api/v1/units/{unit}/lights", {}),
        (staff, "/api/v1/assignments", {}),
        (staff, "/api/v1/assignments", {"order": "-updated_at"}),
        (staff, "/api/v1/assignments", {"plan_id": plan}),
        (staff, "/api/v1/assignments", {"unit_id": unit}),
        (unit_token, "/api/v1/assignments", {}),
        (staff, f"/api/v1/tasks/{task}/assignments", {}),
        (staff, f"/api/v1/assignments/{assignment}", {}),
        (staff, f"/api/v1/tasks/{task}", {}),
        (staff, f"/api/v1/tasks/{task}/reports", {}),
        (staff, f"/api/v1/assignments/{assignment}/reports", {}),
        (staff, f"/api/v1/tasks/{task}/audit_events", {}),
    ]
    for token, path, params in routes:
        async with client_for(big_app, token) as c:
            r = await c.get(path, params={**params, "limit": 20})
            assert r.status_code == 200, (path, params, r.text)
            nxt = r.json().get("next_cursor") if isinstance(r.json(), dict) else None
            if nxt:
                r = await c.get(path, params={**params, "limit": 20, "cursor": nxt})
                assert r.status_code == 200, (path, params, r.text)
    # The unit's status update: its one read (the row with its context) is planned here too.
    async with client_for(big_app, unit_token) as c:
        tag = (await c.get(f"/api/v1/assignments/{assignment}")).headers["ETag"]
        r = await c.patch(
            f"/api/v1/assignments/{assignment}",
            json={"status": "in_progress"},
            headers={"If-Match": tag},
        )
        assert r.status_code == 200, r.text
    assert any("plan_region_code" in statement for statement, _ in captured.selects)
    assert len(captured.selects) > len(routes)
    # The hot statements run on the driver are among them.
    assert any("lead_units" in statement for statement, _ in captured.selects)
    conn = await asyncpg.connect(big_db)
    try:
        sizes = {
            r["relname"]: r["reltuples"]
            for r in await conn.fetch("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        }
        assert sizes["item"] > 20_000 and sizes["assignment"] > 30_000
        bad = []
        for mode in ("force_custom_plan", "force_generic_plan"):
            await conn.execute(f"SET plan_cache_mode = {mode}")
            for statement, params in captured.selects:
                raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *(params or ()))
                plan_json = json.loads(raw) if isinstance(raw, str) else raw
                for rel in _seq_scans(plan_json[0]["Plan"]):
                    if sizes.get(rel, 0) > LARGE:
                        bad.append((mode, rel, " ".join(statement.split())[:300]))
        assert not bad, "sequential scans over large tables:\n" + "\n".join(map(str, bad))
    finally:
        await conn.close()
