"""A database that is down or dropped our connections is a 503 the client may retry, never a 500."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from harness import app_lifespan, client_for
from sqlalchemy.engine import make_url

from dudao_shared.errors import database_unavailable
from dudao_tasks.config import Settings
from dudao_tasks.main import create_app


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _terminate_backends(server_url: str, database: str) -> int:
    """End every session on ``database``, as an operator (or a failover) would."""
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


async def test_pooled_connections_killed_by_the_server_are_replaced(  # type: ignore[no-untyped-def]
    tasks_settings: Settings, pg_server: str, make_token
) -> None:
    app = create_app(tasks_settings)
    token = make_token("admin")
    database = make_url(tasks_settings.database_url).database
    assert database
    async with app_lifespan(app), client_for(app, token) as c:
        # Fill the pool with a few connections, then have the server end them all.
        for _ in range(3):
            assert (await c.get("/api/v1/units", params={"limit": 1})).status_code == 200
        assert _terminate_backends(pg_server, database) >= 1
        r = await c.get("/api/v1/units", params={"limit": 1})
        assert r.status_code == 200, r.text
        name = f"断线后单位{uuid.uuid4().hex[:6]}"
        assert _terminate_backends(pg_server, database) >= 1
        r = await c.post(
            "/api/v1/units", json={"name": name, "level": "county", "region_code": "360112"}
        )
        assert r.status_code == 201, r.text
        found = await c.get(f"/api/v1/units/{r.json()['id']}")
        assert found.status_code == 200 and found.json()["name"] == name


async def test_unpinged_connections_found_dead_are_replaced(  # type: ignore[no-untyped-def]
    tasks_settings: Settings, pg_server: str, make_token
) -> None:
    """The task read and the status update take their connection without the ping
    (``dudao_shared.db._Reads``, ``dudao_shared.prepared.driver``): a connection the server
    ended is found by the read's statement or the update's BEGIN and replaced, and the request
    answers as if nothing happened."""
    app = create_app(tasks_settings)
    token = make_token("admin")
    database = make_url(tasks_settings.database_url).database
    assert database
    async with app_lifespan(app), client_for(app, token) as c:
        unit = await c.post(
            "/api/v1/units",
            json={
                "name": f"断线单位{uuid.uuid4().hex[:6]}",
                "level": "county",
                "region_code": "360112",
            },
        )
        assert unit.status_code == 201, unit.text
        plan = await c.post(
            "/api/v1/plans",
            json={
                "title": "断线读取",
                "region_code": "360000",
                "level": "province",
                "items": [{"code": "1", "kind": "task", "title": "任务"}],
                "assignments": [{"code": "1", "unit_id": unit.json()["id"], "role": "lead"}],
            },
        )
        assert plan.status_code == 201, plan.text
        rows = await c.get("/api/v1/assignments", params={"plan_id": plan.json()["id"]})
        [assignment] = rows.json()["items"]
        task = assignment["task_id"]
        tag = (await c.get(f"/api/v1/assignments/{assignment['id']}")).headers["ETag"]
        for _ in range(3):
            assert (await c.get(f"/api/v1/tasks/{task}")).status_code == 200
        for status in ("in_progress", "not_started", "in_progress"):
            assert _terminate_backends(pg_server, database) >= 1
            r = await c.get(f"/api/v1/tasks/{task}")
            assert r.status_code == 200, r.text
            assert r.json()["title"] == "任务"
            assert _terminate_backends(pg_server, database) >= 1
            r = await c.patch(
                f"/api/v1/assignments/{assignment['id']}",
                json={"status": status},
                headers={"If-Match": tag},
            )
            assert r.status_code == 200, r.text
            tag = r.headers["ETag"]
        assert (await c.get(f"/api/v1/tasks/{task}")).json()["status"] == "in_progress"


async def test_a_statement_after_the_first_is_never_sent_twice(  # type: ignore[no-untyped-def]
    tasks_settings: Settings, pg_server: str
) -> None:
    """A session-less connection sends its first statement again on a fresh connection when
    the one it had is dead (nothing ran there), but not a later one: the status update's write
    follows its read on the same connection, and whether a write reached a connection that
    died is not known — it fails as unavailable (503) instead of being written twice."""
    app = create_app(tasks_settings)
    database = make_url(tasks_settings.database_url).database
    assert database
    async with app_lifespan(app):
        db = app.state.db
        async with db.read_connection() as conn:
            assert await conn.fetchrow("SELECT 1 AS one") is not None
        async with db.read_connection() as conn:
            # The pooled connection dies before the first statement: sent again, answered.
            assert _terminate_backends(pg_server, database) >= 1
            assert (await conn.fetchrow("SELECT 2 AS two"))["two"] == 2
            # It dies again before the second: not sent again, classified as unavailable.
            assert _terminate_backends(pg_server, database) >= 1
            with pytest.raises(Exception) as raised:
                await conn.fetchrow("SELECT 3 AS three")
            assert database_unavailable(raised.value)


async def test_database_down_is_503_with_retry_after(  # type: ignore[no-untyped-def]
    tasks_settings: Settings, make_token
) -> None:
    # Nothing listens on port 9: the connection is refused, as when PostgreSQL is stopped.
    down = make_url(tasks_settings.database_url).set(host="127.0.0.1", port=9)
    settings = tasks_settings.model_copy(
        update={"database_url": down.render_as_string(hide_password=False)}
    )
    app = create_app(settings)
    async with app_lifespan(app), client_for(app, make_token("admin")) as c:
        for method, path, body in (
            ("GET", "/api/v1/units", None),
            ("POST", "/api/v1/units", {"name": "单位", "level": "county", "region_code": "360112"}),
        ):
            r = await c.request(method, path, json=body)
            assert r.status_code == 503, (method, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["code"] == "database_unavailable"
        ready = await c.get("/readyz")
        assert ready.status_code == 503


def test_driver_errors_are_classified_as_the_sessions_are() -> None:
    """Statements on the driver (``dudao_shared.prepared``) raise asyncpg's own errors, not
    SQLAlchemy's wrappers: a lost connection or a server going away is still a 503, a wrong
    request is not."""
    import asyncpg

    from dudao_shared.errors import database_unavailable

    assert database_unavailable(asyncpg.exceptions.ConnectionDoesNotExistError("gone"))
    assert database_unavailable(asyncpg.exceptions.AdminShutdownError("terminating"))
    assert database_unavailable(asyncpg.exceptions.CannotConnectNowError("starting up"))
    assert database_unavailable(asyncpg.exceptions.TooManyConnectionsError("full"))
    assert not database_unavailable(asyncpg.exceptions.UniqueViolationError("duplicate"))
    assert not database_unavailable(asyncpg.exceptions.NotNullViolationError("null"))
