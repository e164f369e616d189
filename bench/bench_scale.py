"""Speed at province scale, measured side by side in one run and printed as ratios.

Starts the platform as real processes on scratch databases, fills the task database with
``generate.py`` and measures, interleaved (raw, service, raw, service …):

- a status update (PATCH an assignment with If-Match, audited) through the gateway against the
  same transaction in raw asyncpg (UPDATE with the version check + audit INSERT), at 10 and 50
  connections;
- a task read through the gateway against the raw SELECT;
- for both, the CPU time the gateway and the task service processes spend per request (a
  busy shared machine moves the rates a lot, this figure little);
- the p50 of a 50-row page of a plan's tasks (first and a deep page), of a unit's assignments
  and of a plan's light summary, at each database size (``--sizes``), grown in place.

    python bench/bench_scale.py [--sizes 10000,100000,1000000] [--seconds 5] [--reps 3]
    python bench/bench_scale.py --smoke        # smallest sizes: only that the script runs
    python bench/bench_scale.py --profile      # pyinstrument profile of the status update
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # pg: scratch databases

import generate  # noqa: E402
from pg import DatabaseFactory  # noqa: E402
from scratch import scratch_platform  # noqa: E402

from dudao_shared import migrate  # noqa: E402
from dudao_tasks.migrations import MIGRATIONS_DIR  # noqa: E402

PLAN_SIZE = 1000
UNITS = 30_000


def gid(kind: str) -> str:
    return str(uuid.UUID(hashlib.md5(kind.encode()).hexdigest()))


def lead_assignments(first: int, n: int) -> list[str]:
    """Lead assignments of in-progress tasks (t % 10 < 6 in generate.py), each its own row."""
    out: list[str] = []
    t = first
    while len(out) < n:
        if t % 10 < 6:
            out.append(gid(f"asg{t}lead"))
        t += 1
    return out


# The load generator runs in its own process; each connection owns one assignment and walks
# its versions (the ETag of one answer is the If-Match of the next).
LOAD = r"""
import asyncio, json, sys, time, aiohttp
base, token, ids, seconds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), float(sys.argv[4])
async def main():
    n = 0
    conn = aiohttp.TCPConnector(limit=len(ids))
    h = {"Authorization": "Bearer " + token}
    async with aiohttp.ClientSession(connector=conn, headers=h) as s:
        async def worker(aid):
            nonlocal n
            async with s.get(f"{base}/api/v1/assignments/{aid}") as r:
                assert r.status == 200, (r.status, await r.text())
                tag = r.headers["ETag"]
            flip = ("in_progress", "not_started")
            k = 0
            stop = time.monotonic() + seconds
            while time.monotonic() < stop:
                k += 1
                async with s.patch(f"{base}/api/v1/assignments/{aid}",
                                   json={"status": flip[k % 2]},
                                   headers={"If-Match": tag}) as r:
                    body = await r.read()
                    assert r.status == 200, (r.status, body)
                    tag = r.headers["ETag"]
                    n += 1
        await asyncio.gather(*(worker(a) for a in ids))
    print(n / seconds)
asyncio.run(main())
"""

READ = r"""
import asyncio, sys, time, aiohttp
url, token, conns, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
async def main():
    n = 0; stop = time.monotonic() + seconds
    conn = aiohttp.TCPConnector(limit=conns)
    async with aiohttp.ClientSession(connector=conn, headers={"Authorization": "Bearer " + token}) as s:
        async def worker():
            nonlocal n
            while time.monotonic() < stop:
                async with s.get(url) as r:
                    await r.read(); assert r.status == 200, r.status; n += 1
        await asyncio.gather(*(worker() for _ in range(conns)))
    print(n / seconds)
asyncio.run(main())
"""

RAW = r"""
import asyncio, json, sys, time, uuid, asyncpg
dsn, ids, seconds, mode = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
UPDATE = '''UPDATE assignment SET status = $2, version = version + 1, updated_at = now()
            WHERE id = $1 AND version = $3
            RETURNING version, plan_id, item_id, unit_id'''
AUDIT = '''INSERT INTO audit_event (id, at, actor_sub, actor_role, entity, entity_id, action,
               plan_id, task_id, unit_id, before, after)
           VALUES ($1, now(), 'bench', 'admin', 'assignment', $2, 'status', $3, $4, $5, $6, $7)'''
READ = 'SELECT * FROM item WHERE id = $1'
async def main():
    n = 0; stop = time.monotonic() + seconds
    pool = await asyncpg.create_pool(dsn, min_size=len(ids), max_size=len(ids))
    async def worker(aid):
        nonlocal n
        aid = uuid.UUID(aid)
        async with pool.acquire() as c:
            if mode == "read":
                while time.monotonic() < stop:
                    row = await c.fetchrow(READ, aid); assert row is not None; n += 1
                return
            version = await c.fetchval('SELECT version FROM assignment WHERE id = $1', aid)
            flip = ("in_progress", "not_started"); k = 0
            while time.monotonic() < stop:
                k += 1
                async with c.transaction():
                    row = await c.fetchrow(UPDATE, aid, flip[k % 2], version)
                    assert row is not None
                    await c.execute(AUDIT, uuid.uuid4(), aid, row[1], row[2], row[3],
                                    json.dumps({"status": flip[(k + 1) % 2]}),
                                    json.dumps({"status": flip[k % 2]}))
                version = row[0]; n += 1
    await asyncio.gather(*(worker(a) for a in ids))
    await pool.close()
    print(n / seconds)
asyncio.run(main())
"""


def run(code: str, *args: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return float(out.stdout.strip())


def server_pid(url: str) -> int | None:
    """The uvicorn process serving ``url`` (found by its ``--port``), to read its CPU time."""
    port = url.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"uvicorn" in argv and b"--port" in argv and port.encode() in argv:
            return int(entry.name)
    return None


def cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(
    pids: dict[str, int | None], cpu: dict[str, list[float]], seconds: float, code: str, *args: str
) -> float:
    """``run`` through the gateway, adding each service process's CPU time per request (µs)
    to ``cpu``: unlike the rate, it hardly moves with what else the machine is doing."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    rate = run(code, *args)
    for name, pid in pids.items():
        cpu.setdefault(name, []).append(
            (cpu_seconds(pid) - before[name]) / max(rate * seconds, 1) * 1e6
        )
    return rate


def p50(client: httpx.Client, path: str, runs: int, **params: Any) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(path, params=params)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return statistics.median(times)


def pages(client: httpx.Client, runs: int) -> dict[str, float]:
    plan = gid("plan0")
    # The busy unit (generate.py): co-unit of every 200th task, so the page is 50 rows at
    # every size and only the table around it grows.
    unit = gid("unit0")
    first = client.get(f"/api/v1/plans/{plan}/tasks", params={"limit": 500}).json()
    deep = client.get(
        f"/api/v1/plans/{plan}/tasks", params={"limit": 50, "cursor": first["next_cursor"]}
    )
    assert deep.status_code == 200
    return {
        "plan tasks, first page": p50(client, f"/api/v1/plans/{plan}/tasks", runs, limit=50),
        "plan tasks, page at row 500": p50(
            client, f"/api/v1/plans/{plan}/tasks", runs, limit=50, cursor=first["next_cursor"]
        ),
        "a unit's assignments": p50(client, "/api/v1/assignments", runs, unit_id=unit, limit=50),
        "plan light summary": p50(client, f"/api/v1/plans/{plan}/lights", runs),
    }


def page_paths() -> list[tuple[str, str, dict[str, Any]]]:
    plan, unit = gid("plan0"), gid("unit0")
    return [
        ("plan tasks, first page", f"/api/v1/plans/{plan}/tasks", {"limit": 50}),
        ("a unit's assignments", "/api/v1/assignments", {"unit_id": unit, "limit": 50}),
        ("plan light summary", f"/api/v1/plans/{plan}/lights", {}),
    ]


def in_process_apps(urls: list[str]) -> tuple[list[Any], str]:
    """Task service apps on ``urls``, to be called in-process, and an admin token they take."""
    from dudao_shared.tokens import TokenSigner, generate_keypair
    from dudao_tasks.config import Settings
    from dudao_tasks.main import create_app

    private, public = generate_keypair()
    token, _ = TokenSigner(private, issuer="dudao-gateway", audience="dudao").issue(
        sub="bench", role="admin", ttl_seconds=3600
    )
    settings = {"environment": "test", "log_level": "WARNING", "jwt_public_key": public}
    apps = [
        create_app(Settings(database_url=url, storage_dir="/tmp/dudao-bench-evidence", **settings))
        for url in urls
    ]
    return apps, token


def interleaved_pages(urls: list[str], runs: int) -> list[dict[str, float]]:
    """The same pages from task services on databases of each size, in-process and side by
    side — request by request, size after size — so that a machine whose speed drifts (a
    shared host: a third within the hour) moves every size alike. Through the gateway the
    sizes can only be measured one after the other, as the database grows."""
    apps, token = in_process_apps(urls)

    async def measure() -> list[dict[str, float]]:
        out: list[dict[str, float]] = [{} for _ in apps]
        async with contextlib.AsyncExitStack() as stack:
            clients = []
            for app in apps:
                await stack.enter_async_context(app.router.lifespan_context(app))
                clients.append(
                    await stack.enter_async_context(
                        httpx.AsyncClient(
                            transport=httpx.ASGITransport(app=app),
                            base_url="http://bench",
                            headers={"Authorization": f"Bearer {token}"},
                        )
                    )
                )
            for label, path, params in page_paths():
                times: list[list[float]] = [[] for _ in apps]
                for n in range(runs + 3):
                    for k, c in enumerate(clients):
                        t0 = time.perf_counter()
                        r = await c.get(path, params=params)
                        if n >= 3:  # after three warm-up rounds
                            times[k].append((time.perf_counter() - t0) * 1000)
                        assert r.status_code == 200, (path, r.status_code, r.text[:300])
                for k, t in enumerate(times):
                    out[k][label] = statistics.median(t)
        return out

    return asyncio.run(measure())


def profile_update(server_url: str) -> None:
    """The status update in-process under pyinstrument (service CPU, no sockets), on a scratch
    database whose data is made through the API, so the same script profiles older code."""

    name = f"dudao_profile_{uuid.uuid4().hex[:8]}"
    base = server_url.rsplit("/", 1)[0]
    url = f"{base}/{name}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        migrate.upgrade(MIGRATIONS_DIR, url)
        [app], token = in_process_apps([url])
        asyncio.run(_profile(app, token))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _profile(app: Any, token: str) -> None:
    from pyinstrument import Profiler

    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as c:
            unit = (
                await c.post(
                    "/api/v1/units",
                    json={"name": "基准单位", "level": "county", "region_code": "360112"},
                )
            ).json()["id"]
            plan = await c.post(
                "/api/v1/plans",
                json={
                    "title": "基准规划",
                    "region_code": "360000",
                    "level": "province",
                    "items": [
                        {"code": "一", "kind": "section", "title": "重点任务"},
                        {
                            "code": "一.1",
                            "kind": "task",
                            "title": "基准任务",
                            "deadlines": [{"due_on": "2027-12-31"}],
                        },
                    ],
                    "assignments": [{"code": "一.1", "unit_id": unit, "role": "lead"}],
                },
            )
            assert plan.status_code == 201, plan.text
            rows = await c.get("/api/v1/assignments", params={"plan_id": plan.json()["id"]})
            aid = rows.json()["items"][0]["id"]
            tag = (await c.get(f"/api/v1/assignments/{aid}")).headers["ETag"]
            flip = ("in_progress", "not_started")

            async def one(k: int) -> None:
                nonlocal tag
                r = await c.patch(
                    f"/api/v1/assignments/{aid}",
                    json={"status": flip[k % 2]},
                    headers={"If-Match": tag},
                )
                assert r.status_code == 200, r.text
                tag = r.headers["ETag"]

            for k in range(50):
                await one(k)
            n = 500
            profiler = Profiler(interval=0.001, async_mode="disabled")
            t0 = time.perf_counter()
            profiler.start()
            for k in range(n):
                await one(k)
            profiler.stop()
            ms = (time.perf_counter() - t0) * 1000 / n
            print(f"· {n} status updates in-process: {ms:.2f} ms each (wall, incl. database)")
            print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--sizes", default="10000,100000,1000000", help="tasks in the database")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--runs", type=int, default=30, help="requests per page p50")
    ap.add_argument("--connections", default="10,50", help="writers' connections, each a run")
    ap.add_argument("--profile", action="store_true", help="profile the status update only")
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="4,000 and 5,000 tasks, half-second runs: only that the script runs",
    )
    args = ap.parse_args()
    if args.smoke:
        # The writers take lead assignments from task 1,000 and 3,000 on: 4,000 is the least.
        args.sizes, args.seconds, args.reps, args.runs = "4000,5000", 0.5, 1, 3
        args.connections = "2"
    sizes = [int(s) for s in args.sizes.split(",")]
    connections = [int(c) for c in args.connections.split(",")]
    today = dt.date.today()
    if args.profile:
        profile_update(args.database_url)
        return
    with scratch_platform(args.database_url, f"scale{uuid.uuid4().hex[:6]}") as (cfg, password):
        tasks_url = cfg.database_url("tasks")
        gw = cfg.url("gateway")
        token = httpx.post(
            gw + "/api/v1/auth/login", json={"username": "admin", "password": password}
        ).json()["access_token"]
        client = httpx.Client(base_url=gw, headers={"Authorization": f"Bearer {token}"})
        grown = 0
        page_rows: list[tuple[int, dict[str, float]]] = []
        throughput: list[tuple[str, float, float]] = []
        pids = {"gateway": server_pid(gw), "tasks": server_pid(cfg.url("tasks"))}
        cpu_rows: list[tuple[str, dict[str, float]]] = []
        side = DatabaseFactory(args.database_url)
        side_urls: list[str] = []
        for size in sizes:
            print(f"· growing the database to {size:,} tasks", flush=True)
            asyncio.run(
                generate.generate(
                    tasks_url, units=UNITS, task_count=size, from_tasks=grown, today=today
                )
            )
            grown = size
            page_rows.append((size, pages(client, args.runs)))
            if size != sizes[-1]:
                # A database of this size of its own, for the side-by-side comparison at the end.
                print(f"· a separate database of {size:,} tasks", flush=True)
                url = side.create(f"scale{size}")
                migrate.upgrade(MIGRATIONS_DIR, url)
                asyncio.run(generate.generate(url, units=UNITS, task_count=size, today=today))
                side_urls.append(url)
            if size == sizes[0]:
                # Writes and reads once, at the first size (their cost does not grow with it).
                for conns in connections:
                    raw_ids = lead_assignments(1000, conns)
                    svc_ids = lead_assignments(3000, conns)
                    raw_r, svc_r = [], []
                    cpu: dict[str, list[float]] = {}
                    for _ in range(args.reps):
                        raw_r.append(
                            run(RAW, tasks_url, json.dumps(raw_ids), str(args.seconds), "update")
                        )
                        svc_r.append(
                            measured(
                                pids,
                                cpu,
                                args.seconds,
                                LOAD,
                                gw,
                                token,
                                json.dumps(svc_ids),
                                str(args.seconds),
                            )
                        )
                    label = f"status update, {conns} connections"
                    throughput.append((label, statistics.median(svc_r), statistics.median(raw_r)))
                    cpu_rows.append((label, {k: statistics.median(v) for k, v in cpu.items()}))
                task = gid("task1234")
                raw_r, svc_r = [], []
                cpu = {}
                for _ in range(args.reps):
                    raw_r.append(
                        run(
                            RAW,
                            tasks_url,
                            json.dumps([task] * connections[0]),
                            str(args.seconds),
                            "read",
                        )
                    )
                    svc_r.append(
                        measured(
                            pids,
                            cpu,
                            args.seconds,
                            READ,
                            f"{gw}/api/v1/tasks/{task}",
                            token,
                            str(connections[0]),
                            str(args.seconds),
                        )
                    )
                label = f"task read, {connections[0]} connections"
                throughput.append((label, statistics.median(svc_r), statistics.median(raw_r)))
                cpu_rows.append((label, {k: statistics.median(v) for k, v in cpu.items()}))
                # The ceilings of a read served by Python, against the same raw read: the task
                # service's /healthz (one hop: no gateway, token or database), and a region
                # through the gateway (two hops and the token, no database: reference data).
                for label, url in (
                    ("  ceiling: /healthz, tasks direct", f"{cfg.url('tasks')}/healthz"),
                    ("  ceiling: a region, via gateway", f"{gw}/api/v1/regions/360000"),
                ):
                    floor = [
                        run(READ, url, token, str(connections[0]), str(args.seconds))
                        for _ in range(args.reps)
                    ]
                    throughput.append((label, statistics.median(floor), statistics.median(raw_r)))
        client.close()
        print("· the pages in-process, the sizes side by side", flush=True)
        try:
            side_rows = interleaved_pages([*side_urls, tasks_url], args.runs)
        finally:
            side.drop_all()
    print()
    print(
        f"{'through the gateway vs raw asyncpg':<36} {'gateway/s':>10} {'raw/s':>10} {'ratio':>7}"
    )
    for label, svc, raw in throughput:
        print(f"{label:<36} {svc:>10,.0f} {raw:>10,.0f} {svc / raw:>7.0%}")
    print()
    print(f"{'CPU µs per request (process time)':<36} {'gateway':>10} {'tasks':>10}")
    for label, cpu_us in cpu_rows:
        print(f"{label:<36} {cpu_us['gateway']:>10,.0f} {cpu_us['tasks']:>10,.0f}")
    print()
    labels = list(page_rows[0][1])
    print(
        f"{'p50 ms through the gateway':<30}"
        + "".join(f"{s:>12,}" for s, _ in page_rows)
        + f"{'max/min':>9}"
    )
    for label in labels:
        vals = [r[label] for _, r in page_rows]
        print(
            f"{label:<30}" + "".join(f"{v:>12.1f}" for v in vals) + f"{max(vals) / min(vals):>9.2f}"
        )
    print()
    print(
        f"{'p50 ms in-process, side by side':<30}"
        + "".join(f"{s:>12,}" for s in sizes)
        + f"{'max/min':>9}"
    )
    for label in side_rows[0]:
        vals = [r[label] for r in side_rows]
        print(
            f"{label:<30}" + "".join(f"{v:>12.1f}" for v in vals) + f"{max(vals) / min(vals):>9.2f}"
        )


if __name__ == "__main__":
    main()
