"""Gateway benchmark: the same authenticated routes direct and through the gateway, one run.

Starts the three services as real processes on PostgreSQL, then alternates direct and gateway
runs of each route (median of --reps), with wrk when it is installed and otherwise a Python
load generator, and prints requests/s and the gateway/direct ratio.

    python bench/bench_gateway.py [--seconds 8] [--connections 64] [--reps 3] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]

from scratch import scratch_platform  # noqa: E402

console = Console()


def wrk(url: str, token: str, seconds: int, connections: int) -> float:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx and int(non2xx.group(1)) > 0:
        raise RuntimeError(f"{url}: {non2xx.group(1)} non-2xx responses\n{out}")
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert m, out
    return float(m.group(1))


def pyload(url: str, token: str, seconds: int, connections: int) -> float:
    """Fallback load generator (aiohttp) in its own process; slower than wrk, same for both."""
    code = f"""
import asyncio, time, aiohttp
async def main():
    n = 0; stop = time.monotonic() + {seconds}
    conn = aiohttp.TCPConnector(limit={connections})
    async with aiohttp.ClientSession(connector=conn, headers={{'Authorization': 'Bearer {token}'}}) as s:
        async def worker():
            nonlocal n
            while time.monotonic() < stop:
                async with s.get({url!r}) as r:
                    await r.read()
                    assert r.status == 200, r.status
                    n += 1
        await asyncio.gather(*(worker() for _ in range({connections})))
    print(n / {seconds})
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def setup_data(gateway: str, token: str) -> str:
    """A plan with one task, created through the API; returns the task id."""
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway, headers=h, timeout=30) as c:
        r = c.post(
            "/api/v1/plans",
            json={
                "title": "基准测试规划",
                "region_code": "360000",
                "level": "province",
                "period_start": 2023,
                "period_end": 2025,
                "items": [
                    {"code": "一", "kind": "section", "title": "重点任务"},
                    {
                        "code": "一.1",
                        "kind": "task",
                        "title": "基准任务",
                        "deadlines": [{"due_on": "2025-12-31", "text": "到2025年"}],
                    },
                ],
            },
        )
        r.raise_for_status()
        plan_id = r.json()["id"]
        r = c.get(f"/api/v1/plans/{plan_id}/items")
        r.raise_for_status()
        return str(next(i["id"] for i in r.json()["items"] if i["kind"] == "task"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="4 connections, one 1-second run per side: only that the script runs",
    )
    args = ap.parse_args()
    if args.smoke:
        args.seconds, args.connections, args.reps = 1, 4, 1
    load = wrk if shutil.which("wrk") else pyload
    console.print(
        f"load generator: {'wrk' if load is wrk else 'python/aiohttp (install wrk for better figures)'}"
    )

    with scratch_platform(args.database_url, "bench") as (cfg, password):
        r = httpx.post(
            cfg.url("gateway") + "/api/v1/auth/login",
            json={"username": "admin", "password": password},
        )
        r.raise_for_status()
        token = r.json()["access_token"]
        task_id = setup_data(cfg.url("gateway"), token)
        routes = {
            "trivial (GET region, no database)": "/api/v1/regions/360000",
            "task read (GET task from PostgreSQL)": f"/api/v1/tasks/{task_id}",
        }
        for path in routes.values():  # warm up both paths and check they answer
            for base in (cfg.url("tasks"), cfg.url("gateway")):
                assert (
                    httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}).status_code
                    == 200
                )
                if not args.smoke:
                    load(base + path, token, 2, args.connections)
        table = Table(
            title=f"gateway hop, c={args.connections}, {args.seconds}s × {args.reps} interleaved, medians"
        )
        for col in ("route", "direct rps", "via gateway rps", "gateway / direct", "goal"):
            table.add_column(col, justify="right" if col != "route" else "left")
        goals = [0.50, 0.70]
        for (name, path), goal in zip(routes.items(), goals, strict=True):
            direct, via = [], []
            for rep in range(args.reps):
                console.print(f"  {name}: rep {rep + 1}/{args.reps}", end="\r")
                direct.append(load(cfg.url("tasks") + path, token, args.seconds, args.connections))
                via.append(load(cfg.url("gateway") + path, token, args.seconds, args.connections))
            d, g = statistics.median(direct), statistics.median(via)
            ratio = g / d
            table.add_row(
                name,
                f"{d:,.0f}",
                f"{g:,.0f}",
                f"[{'green' if ratio >= goal else 'red'}]{ratio:.0%}[/]",
                f"≥ {goal:.0%}",
            )
        console.print(table)


if __name__ == "__main__":
    main()
