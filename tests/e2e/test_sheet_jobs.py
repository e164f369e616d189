"""Large spreadsheet imports run as jobs by the worker (``dudao worker``, a real process running
both services' queues, each on its own database), with progress; the result is the synchronous
import's.

Each service runs twice in-process on two databases: one with the row threshold raised (the
import answers in the request, as today) and one with a low threshold (the same file becomes a
job: 202, then the job resource). The same files go to both; the summaries must be equal and the
rows written must be equal, read back with SQL.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from harness import app_lifespan, client_for
from tasks.fixtures import SERVICE_TOKEN
from tasks.notifications.peers import stop_worker

from dudao_indicators.config import Settings as IndicatorsSettings
from dudao_indicators.main import create_app as create_indicators
from dudao_indicators.measurements import sheet as measurements_sheet
from dudao_indicators.migrations import MIGRATIONS_DIR as INDICATORS_MIGRATIONS
from dudao_indicators.plans import get_tasks_client
from dudao_indicators.targets import sheet as targets_sheet
from dudao_shared import migrate
from dudao_shared.http import ServiceClient
from dudao_shared.sheets import Cell, SheetKind, write_csv
from dudao_tasks.assignments import sheet as assignments_sheet
from dudao_tasks.config import Settings as TasksSettings
from dudao_tasks.main import create_app as create_tasks
from dudao_tasks.migrations import MIGRATIONS_DIR as TASKS_MIGRATIONS
from dudao_tasks.units import sheet as units_sheet

pytestmark = pytest.mark.e2e

JOB_ROWS = 10  # the threshold of the job side: every file below has more rows
TASKS_REGION, TASKS_PLANNER_REGION = "360112", "360100"
CITY = "360900"
COUNTIES = ["360902", "360921", "360922", "360923", "360924", "360925", "360926", "360981"]


@dataclass
class Side:
    """One deployment: the task and indicator apps on their own two databases."""

    tasks_url: str
    indicators_url: str
    tasks: Any = None
    indicators: Any = None


@pytest.fixture(scope="module")
def sides(databases) -> dict[str, Side]:  # type: ignore[no-untyped-def]
    out = {}
    for name in ("sync", "job"):
        t, i = databases.create(f"sheetjobs_t_{name}"), databases.create(f"sheetjobs_i_{name}")
        migrate.upgrade(TASKS_MIGRATIONS, t)
        migrate.upgrade(INDICATORS_MIGRATIONS, i)
        out[name] = Side(t, i)
    return out


@pytest.fixture(scope="module")
def worker(sides: dict[str, Side], keypair, tmp_path_factory) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    """``dudao worker``'s process on the job side's two databases."""
    import os

    job = sides["job"]
    env = dict(os.environ)
    for prefix, url in (("DUDAO_TASKS_", job.tasks_url), ("DUDAO_INDICATORS_", job.indicators_url)):
        env.update(
            {
                prefix + "DATABASE_URL": url,
                prefix + "JWT_PUBLIC_KEY": keypair[1],
                prefix + "ENVIRONMENT": "test",
                prefix + "LOG_JSON": "false",
            }
        )
    log = tmp_path_factory.mktemp("sheetjobs") / "worker.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dudao_cli.worker", "--name", "sheetjobs"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        stop_worker(proc)
        print(Path(log).read_text(errors="replace")[-4000:])


@pytest.fixture(scope="module")
async def apps(sides: dict[str, Side], keypair, tmp_path_factory) -> AsyncIterator[dict[str, Side]]:  # type: ignore[no-untyped-def]
    async with _side(sides["sync"], keypair, tmp_path_factory, 1_000_000) as sync:
        async with _side(sides["job"], keypair, tmp_path_factory, JOB_ROWS) as job:
            # Plans live in one task service: both indicator services check them there.
            overrides = job.indicators.dependency_overrides
            overrides[get_tasks_client] = sync.indicators.dependency_overrides[get_tasks_client]
            yield {"sync": sync, "job": job}


class _side:  # noqa: N801 - used as a context manager like a function
    def __init__(self, side: Side, keypair: Any, tmp: Any, threshold: int) -> None:
        self.side, self.keypair, self.tmp, self.threshold = side, keypair, tmp, threshold

    async def __aenter__(self) -> Side:
        s = self.side
        s.tasks = create_tasks(
            TasksSettings(
                environment="test",
                database_url=s.tasks_url,
                jwt_public_key=self.keypair[1],
                storage_dir=str(self.tmp.mktemp("evidence")),
                service_token=SERVICE_TOKEN,
                sheet_job_rows=self.threshold,
            )
        )
        s.indicators = create_indicators(
            IndicatorsSettings(
                environment="test",
                database_url=s.indicators_url,
                jwt_public_key=self.keypair[1],
                service_token=SERVICE_TOKEN,
                sheet_job_rows=self.threshold,
            )
        )
        self._t = app_lifespan(s.tasks)
        self._i = app_lifespan(s.indicators)
        await self._t.__aenter__()
        await self._i.__aenter__()
        self.client = ServiceClient(
            "任务服务",
            "http://tasks",
            transport=httpx.ASGITransport(app=s.tasks),
            service_token=SERVICE_TOKEN,
        )
        s.indicators.dependency_overrides[get_tasks_client] = lambda: self.client
        return s

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        await self._i.__aexit__(None, None, None)
        await self._t.__aexit__(None, None, None)


def _csv(kind: SheetKind, rows: list[dict[str, Cell]]) -> bytes:
    return write_csv(kind, [[r.get(c.key) for c in kind.columns] for r in rows])


async def _post(c: httpx.AsyncClient, path: str, content: bytes, **params: Any) -> httpx.Response:
    return await c.post(path, params=params, files={"file": ("file.csv", content, "text/csv")})


async def _run_job(c: httpx.AsyncClient, r: httpx.Response, rows: int) -> dict[str, Any]:
    """Follow a 202 to the job's end; progress seen on the way only ever grows."""
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] == "queued" and job["progress"] == {"done": 0, "total": rows}
    assert job["summary"] is None
    location = r.headers["location"]
    assert location.endswith("/" + job["id"])
    seen = [0]
    for _ in range(1200):  # the worker brings the end about; the bound only stops a hang
        job = (await c.get(location)).json()
        assert job["progress"]["total"] == rows
        assert job["progress"]["done"] >= seen[-1], "progress never goes back"
        seen.append(job["progress"]["done"])
        if job["state"] in ("done", "failed"):
            assert job["finished_at"] is not None
            return dict(job)
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {location} did not finish: {job}")


async def _both(
    apps: dict[str, Side],
    app: str,
    token: str,
    path: str,
    content: bytes,
    rows: int,
    **params: Any,
) -> tuple[httpx.Response, dict[str, Any]]:
    """The synchronous answer and the finished job of the same import."""
    async with client_for(getattr(apps["sync"], app), token) as c:
        sync = await _post(c, path, content, **params)
    async with client_for(getattr(apps["job"], app), token) as c:
        job = await _run_job(c, await _post(c, path, content, **params), rows)
    return sync, job


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url.replace("postgresql+asyncpg", "postgresql")) as conn:
        return list(conn.execute(sql).fetchall())


UNITS_SQL = """
SELECT u.name, u.full_name, u.level, u.region_code, u.active_from, p.name,
       ARRAY(SELECT a.alias FROM unit_alias a WHERE a.unit_id = u.id ORDER BY a.alias)
FROM unit u LEFT JOIN unit p ON p.id = u.parent_id ORDER BY u.region_code, u.name
"""
TASKS_SQL = """
SELECT i.code, i.title, i.due_on, u.name, a.role
FROM item i JOIN assignment a ON a.item_id = i.id JOIN unit u ON u.id = a.unit_id
ORDER BY i.code, a.role, u.name
"""
MEASUREMENTS_SQL = """
SELECT i.code, m.region_code, m.period, m.value, m.numerator_value, m.denominator_value,
       m.source, m.note, m.status, m.reported_by
FROM measurement m JOIN indicator i ON i.id = m.indicator_id ORDER BY 1, 2, 3
"""
TARGETS_SQL = """
SELECT i.code, t.scope, t.region_code, t.baseline_year, t.baseline_value, t.target_year,
       t.kind, t.comparator, t.value
FROM target t JOIN indicator i ON i.id = t.indicator_id ORDER BY 1, 2, 3
"""


async def test_task_service_imports_as_jobs_equal_the_synchronous_ones(  # type: ignore[no-untyped-def]
    apps, sides, worker, make_token
) -> None:
    planner = make_token("planner", sub="user:sheetjobs-tasks", region_code=TASKS_PLANNER_REGION)
    units: list[dict[str, Cell]] = [
        {"name": "区卫健委", "full_name": "新建区卫生健康委员会", "level": "县级",
         "region_code": TASKS_REGION, "aliases": "区卫生健康委、新建卫健委"},
    ] + [
        {"name": f"区直单位{n:02d}", "level": "县级", "region_code": TASKS_REGION,
         "parent": "区卫健委", "full_name": f"新建区区直单位{n:02d}" if n % 3 else None,
         "active_from": "2026-01-01" if n % 2 else None}
        for n in range(1, 30)
    ]  # fmt: skip
    bad = [*units, {"name": "外区单位", "level": "县级", "region_code": "360200"}]
    good_file, bad_file = _csv(units_sheet.KIND, units), _csv(units_sheet.KIND, bad)
    path = "/api/v1/units/import"

    # A dry run: the same summary, nothing written on either side.
    sync, job = await _both(apps, "tasks", planner, path, bad_file, len(bad))
    assert sync.status_code == 200, sync.text
    assert job["state"] == "done" and job["dry_run"] is True
    assert job["summary"] == sync.json()
    assert (sync.json()["created"], sync.json()["failed"]) == (30, 1)
    assert job["progress"] == {"done": len(bad), "total": len(bad)}
    assert (
        _rows(sides["job"].tasks_url, UNITS_SQL) == [] == _rows(sides["sync"].tasks_url, UNITS_SQL)
    )

    # All or nothing with a bad row: the 422 the route answers is the job's problem, with the
    # summary of every row; nothing written.
    sync, job = await _both(apps, "tasks", planner, path, bad_file, len(bad), dry_run="false")
    assert sync.status_code == 422 and sync.json()["code"] == "sheet_rows_invalid"
    assert job["state"] == "failed"
    assert job["problem"] == sync.json()
    assert job["summary"]["failed"] == 1 and job["summary"]["written"] is False
    assert _rows(sides["job"].tasks_url, UNITS_SQL) == []

    # The import: equal summaries, equal rows.
    sync, job = await _both(apps, "tasks", planner, path, good_file, len(units), dry_run="false")
    assert sync.status_code == 200, sync.text
    assert job["summary"] == sync.json() and sync.json()["created"] == len(units)
    written = _rows(sides["sync"].tasks_url, UNITS_SQL)
    assert len(written) == len(units)
    assert _rows(sides["job"].tasks_url, UNITS_SQL) == written

    # Tasks with their lead units, for a plan on each side (the plan's id differs, not its rows).
    plans = {}
    for name in ("sync", "job"):
        async with client_for(apps[name].tasks, planner) as c:
            r = await c.post(
                "/api/v1/plans",
                json={"title": "新建区规划", "level": "county", "region_code": TASKS_REGION},
            )
            assert r.status_code == 201, r.text
            plans[name] = r.json()["id"]
    tasks: list[dict[str, Cell]] = [
        {"code": str(n), "title": f"任务{n}", "lead": f"区直单位{n % 29 + 1:02d}",
         "co": "区卫健委" if n % 4 == 0 else None,
         "due": f"2026-{n % 12 + 1:02d}-28", "body": f"第{n}项任务的内容"}
        for n in range(1, 26)
    ]  # fmt: skip
    content = _csv(assignments_sheet.KIND, tasks)
    for dry_run in ("true", "false"):
        async with client_for(apps["sync"].tasks, planner) as c:
            sync = await _post(
                c, f"/api/v1/plans/{plans['sync']}/tasks/import", content, dry_run=dry_run
            )
        async with client_for(apps["job"].tasks, planner) as c:
            r = await _post(
                c, f"/api/v1/plans/{plans['job']}/tasks/import", content, dry_run=dry_run
            )
            job = await _run_job(c, r, len(tasks))
            # The job is its caller's: another planner does not find it, an admin does.
            other = make_token("planner", region_code=TASKS_PLANNER_REGION)
            async with client_for(apps["job"].tasks, other) as o:
                r = await o.get(f"/api/v1/import_jobs/{job['id']}")
                assert r.status_code == 404 and r.json()["code"] == "import_job_not_found"
            async with client_for(apps["job"].tasks, make_token("admin")) as a:
                assert (await a.get(f"/api/v1/import_jobs/{job['id']}")).status_code == 200
                assert (await a.get("/api/v1/import_jobs/not-a-job")).status_code == 404
        assert sync.status_code == 200, sync.text
        assert job["state"] == "done", job
        assert job["summary"] == sync.json()
        assert sync.json()["failed"] == 0 and sync.json()["created"] > 0
    written = _rows(sides["sync"].tasks_url, TASKS_SQL)
    assert len({r[0] for r in written}) == len(tasks)
    assert _rows(sides["job"].tasks_url, TASKS_SQL) == written
    # Every job finished, and a finished job keeps no copy of the uploaded file.
    jobs = _rows(
        sides["job"].tasks_url,
        "SELECT state, content IS NULL, rows_done = rows_total FROM sheet_job ORDER BY state",
    )
    assert jobs == [("done", True, True)] * 4 + [("failed", True, True)]


async def _plan_and_indicators(apps: dict[str, Side], token: str) -> dict[str, str]:
    """A city plan in the sync side's task service (both indicator services check plans there)
    with the same three indicators in each indicator service."""
    async with client_for(apps["sync"].tasks, token) as c:
        r = await c.post(
            "/api/v1/plans", json={"title": "宜春市规划", "level": "city", "region_code": CITY}
        )
        assert r.status_code == 201, r.text
        plan = str(r.json()["id"])
    for name in ("sync", "job"):
        async with client_for(apps[name].indicators, token) as c:
            for code, unit in (("1", "岁"), ("2", "%"), ("3", "‰")):
                r = await c.post(
                    "/api/v1/indicators",
                    json={
                        "plan_id": plan,
                        "region_code": CITY,
                        "code": code,
                        "name": f"指标{code}",
                        "domain": "健康水平",
                        "measure_unit": unit,
                        "direction": "lower_is_better",
                        "nature": "expected",
                    },
                )
                assert r.status_code == 201, r.text
    return {"plan_id": plan}


async def test_indicator_service_imports_as_jobs_equal_the_synchronous_ones(  # type: ignore[no-untyped-def]
    apps, sides, worker, make_token
) -> None:
    planner = make_token("planner", sub="user:sheetjobs-indicators", region_code=CITY)
    plan = await _plan_and_indicators(apps, planner)
    values: list[dict[str, Cell]] = [
        {"code": code, "region_code": county, "period": period,
         # Indicator 2 is a rate (%): its value is numerator ÷ denominator × 100.
         "value": f"{int(code) * 10 + i}.{j}" if code != "2" else str((3 + i) / (j + 1)),
         "numerator": None if code != "2" else 3 + i,
         "denominator": None if code != "2" else 100 * (j + 1), "source": "卫生统计直报",
         "note": f"按季度汇总（{county}）", "submit": "否" if i == 3 else "是"}
        for code in ("1", "2", "3")
        for i, county in enumerate(COUNTIES)
        for j, period in enumerate(("2024", "2025"))
    ]  # fmt: skip
    bad = [*values, {"code": "9", "region_code": COUNTIES[0], "period": "2025", "value": "1"}]
    bad += [{"code": "1", "region_code": "360100", "period": "2025", "value": "2"}]
    path = "/api/v1/measurements/import"

    sync, job = await _both(apps, "indicators", planner, path, _csv(measurements_sheet.KIND, bad), len(bad), **plan)  # fmt: skip
    assert sync.status_code == 200, sync.text
    assert job["summary"] == sync.json()
    assert (sync.json()["created"], sync.json()["failed"]) == (len(values), 2), {
        (e["column"], e["message"]) for e in sync.json()["errors"]
    }
    assert [e["column"] for e in sync.json()["errors"]] == ["指标编号", "区划代码"]

    # Only the valid rows, then the same file again (nothing changes), on both sides.
    for expect in ("create", "unchanged"):
        sync, job = await _both(apps, "indicators", planner, path, _csv(measurements_sheet.KIND, bad), len(bad), dry_run="false", mode="valid", **plan)  # fmt: skip
        assert sync.status_code == 200, sync.text
        assert job["state"] == "done" and job["summary"] == sync.json()
        assert sync.json()["written"] is True
        assert {o["action"] for o in sync.json()["rows"]} == {expect, "error"}
    written = _rows(sides["sync"].indicators_url, MEASUREMENTS_SQL)
    assert len(written) == len(values)
    assert _rows(sides["job"].indicators_url, MEASUREMENTS_SQL) == written

    # Targets of the same indicators: a whole-plan target and one per county.
    targets: list[dict[str, Cell]] = [
        {"code": code, "scope": "全部", "baseline_year": 2020, "baseline_value": "5.4",
         "target_year": 2025, "kind": "绝对值", "comparator": "≤", "value": f"5.{code}"}
        for code in ("1", "2", "3")
    ] + [
        {"code": "3", "scope": county, "baseline_year": 2020, "baseline_value": "6",
         "target_year": 2025, "kind": "绝对值", "comparator": "≤", "value": f"5.{i}"}
        for i, county in enumerate(COUNTIES)
    ]  # fmt: skip
    content = _csv(targets_sheet.KIND, targets)
    for dry_run in ("true", "false"):
        sync, job = await _both(apps, "indicators", planner, "/api/v1/targets/import", content, len(targets), dry_run=dry_run, **plan)  # fmt: skip
        assert sync.status_code == 200, sync.text
        assert job["state"] == "done" and job["summary"] == sync.json()
    written = _rows(sides["sync"].indicators_url, TARGETS_SQL)
    assert written, sync.json()
    assert _rows(sides["job"].indicators_url, TARGETS_SQL) == written
