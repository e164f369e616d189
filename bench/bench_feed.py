"""Public feed benchmark: a disclosed plan's feed (``GET /public/v1/plans/{id}``: metadata and
progress by status, light and region) through the gateway — revalidated (304 on If-None-Match)
and fresh (200 with the body) — against the same route on the task service directly, one run.

The gateway answers from its short cache and counts every request against the client's limit
in PostgreSQL (one upsert each); the service computes the summary each time.

    python bench/bench_feed.py [--seconds 6] [--connections 32] [--reps 3] [--tasks 200] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

import httpx
from rich.console import Console
from rich.table import Table
from scratch import scratch_platform

console = Console()


def load(url: str, headers: dict[str, str], expect: int, seconds: int, connections: int) -> float:
    """Requests/s from an aiohttp load generator in its own process (same for every column)."""
    code = f"""
import asyncio, time, aiohttp
async def main():
    n = 0; stop = time.monotonic() + {seconds}
    conn = aiohttp.TCPConnector(limit={connections})
    async with aiohttp.ClientSession(connector=conn, headers={headers!r}) as s:
        async def worker():
            nonlocal n
            while time.monotonic() < stop:
                async with s.get({url!r}) as r:
                    await r.read()
                    assert r.status == {expect}, r.status
                    n += 1
        await asyncio.gather(*(worker() for _ in range({connections})))
    print(n / {seconds})
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"load generator on {url} failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip())


def disclosed_plan(gateway: str, token: str, tasks: int) -> str:
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway, headers=h, timeout=60) as c:
        unit = c.post(
            "/api/v1/units",
            json={"name": "基准县卫健委", "level": "county", "region_code": "360112"},
        )
        unit.raise_for_status()
        items = [{"code": "一", "kind": "section", "title": "重点任务"}] + [
            {
                "code": f"一.{n}",
                "kind": "task",
                "title": f"基准任务 {n}",
                "deadlines": [{"due_on": "2025-12-31", "text": "到2025年"}],
            }
            for n in range(1, tasks + 1)
        ]
        r = c.post(
            "/api/v1/plans",
            json={
                "title": "公开数据基准规划",
                "region_code": "360100",
                "level": "city",
                "items": items,
                "assignments": [
                    {"code": f"一.{n}", "unit_id": unit.json()["id"], "role": "lead"}
                    for n in range(1, tasks + 1)
                ],
            },
        )
        r.raise_for_status()
        plan_id = str(r.json()["id"])
        r = c.patch(
            f"/api/v1/plans/{plan_id}",
            json={"status": "published", "disclosed": True},
            headers={"If-Match": r.headers["etag"]},
        )
        r.raise_for_status()
        return plan_id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tasks", type=int, default=200)
    ap.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="5 tasks, 4 connections, one 1-second run per case: only that the script runs",
    )
    args = ap.parse_args()
    if args.smoke:
        args.seconds, args.connections, args.reps, args.tasks = 1, 4, 1, 5
    # One load generator is one client: let the limit count without refusing it.
    env = {"DUDAO_GATEWAY_PUBLIC_RATE_LIMIT": str(10**9)}
    with scratch_platform(args.database_url, "benchfeed", env) as (cfg, password):
        login = httpx.post(
            cfg.url("gateway") + "/api/v1/auth/login",
            json={"username": "admin", "password": password},
        )
        login.raise_for_status()
        plan_id = disclosed_plan(cfg.url("gateway"), login.json()["access_token"], args.tasks)
        path = f"/public/v1/plans/{plan_id}"
        first = httpx.get(cfg.url("gateway") + path)
        first.raise_for_status()
        etag = first.headers["etag"]
        assert httpx.get(cfg.url("tasks") + path).headers["etag"] == etag
        summary = json.loads(first.content)["progress"]
        console.print(f"feed of a plan with {summary['total']} tasks, {len(first.content):,} bytes")
        cases = {
            "direct, fresh (200)": (cfg.url("tasks"), {}, 200),
            "direct, revalidated (304)": (cfg.url("tasks"), {"If-None-Match": etag}, 304),
            "gateway, fresh (200)": (cfg.url("gateway"), {}, 200),
            "gateway, revalidated (304)": (cfg.url("gateway"), {"If-None-Match": etag}, 304),
        }
        for base, headers, expect in cases.values():  # warm up and check each answers
            assert httpx.get(base + path, headers=headers).status_code == expect
            if not args.smoke:
                load(base + path, headers, expect, 1, args.connections)
        runs: dict[str, list[float]] = {name: [] for name in cases}
        for rep in range(args.reps):
            for name, (base, headers, expect) in cases.items():
                console.print(f"  rep {rep + 1}/{args.reps}: {name}      ", end="\r")
                runs[name].append(
                    load(base + path, headers, expect, args.seconds, args.connections)
                )
        rps = {name: statistics.median(v) for name, v in runs.items()}
        direct = rps["direct, fresh (200)"]
        table = Table(
            title=f"public feed, c={args.connections}, {args.seconds}s × {args.reps} interleaved, medians"
        )
        for col in ("route", "requests/s", "÷ direct fresh"):
            table.add_column(col, justify="right" if col != "route" else "left")
        for name, value in rps.items():
            table.add_row(name, f"{value:,.0f}", f"{value / direct:.2f}×")
        console.print(table)


if __name__ == "__main__":
    main()
