"""Web app benchmark: the JavaScript a browser downloads for the leader's dashboard and for the
unit's phone page (gzipped, as the gateway serves it), and the time to first render of each in
the tests' Chromium, cold cache, median of --reps. Also the phone page on a throttled
connection (1.6 Mbit/s down, 150 ms round trip: a weak mobile signal). "First render of content"
is when the page shows the API's data: the dashboard's light counts (and, in its own row, every
chart), the unit's task list.

Starts the three services as real processes on PostgreSQL (the gateway serving web/dist), imports
a seed plan, issues a unit token.

    python bench/bench_web.py [--reps 5] [--smoke]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]

from scratch import scratch_platform  # noqa: E402

console = Console()
CHROMIUM = os.environ.get("DUDAO_CHROMIUM", "/usr/bin/chromium")
SEED = ROOT / "deploy" / "seeds" / "001_1d96ae928440d7e2.txt"
GOALS = {"dashboard": 500 * 1024, "unit page": 150 * 1024}
SLOW = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}


def setup(gateway: str, password: str) -> tuple[dict[str, Any], str]:
    """Admin tokens, and a unit token for a unit that has tasks in an imported plan."""
    pair = (
        httpx.post(gateway + "/api/v1/auth/login", json={"username": "admin", "password": password})
        .raise_for_status()
        .json()
    )
    h = {"Authorization": f"Bearer {pair['access_token']}"}
    with httpx.Client(base_url=gateway, headers=h, timeout=120) as c:
        c.post(
            "/api/v1/plans/import",
            params={"dry_run": "false", "create_missing_units": "true"},
            files={"file": ("plan.txt", SEED.read_bytes())},
        ).raise_for_status()
        counts: dict[str, int] = {}
        for a in (
            c.get("/api/v1/assignments", params={"limit": 500}).raise_for_status().json()["items"]
        ):
            counts[a["unit_id"]] = counts.get(a["unit_id"], 0) + 1
        unit_id = max(counts, key=lambda u: counts[u])
        token = c.post("/api/v1/unit_tokens", json={"unit_id": unit_id, "label": "bench"})
        return pair, token.raise_for_status().json()["token"]


def measure(
    browser: Any,
    url: str,
    ready: str,
    *,
    init: str | None = None,
    phone: bool = False,
    throttle: bool = False,
) -> tuple[int, float, float]:
    """(gzipped JS bytes, first contentful paint ms, first render of the content ms)."""
    kw: dict[str, Any] = {"locale": "zh-CN"}
    if phone:
        kw.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    ctx = browser.new_context(**kw)
    if init:
        ctx.add_init_script(init)
    page = ctx.new_page()
    if throttle:
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW)
    scripts: list[Any] = []
    page.on("response", lambda r: scripts.append(r) if r.url.endswith(".js") else None)
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    rendered = page.evaluate("performance.now()")
    fcp = page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime"
    )
    js = sum(len(gzip.compress(r.body(), 9)) for r in scripts)
    ctx.close()
    return js, float(fcp), float(rendered)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument(
        "--smoke", action="store_true", help="one run of each page: only that the script runs"
    )
    args = ap.parse_args()
    if args.smoke:
        args.reps = 1
    if not (ROOT / "web" / "dist" / "index.html").exists():
        sys.exit("web/dist is not built: run `make web` (Node.js 20+)")
    from playwright.sync_api import sync_playwright

    with scratch_platform(args.database_url, "benchweb") as (cfg, password):
        gw = cfg.url("gateway")
        pair, unit_token = setup(gw, password)
        session = (
            f"localStorage.setItem('dudao.console.session', "
            f"JSON.stringify({{access_token: {pair['access_token']!r}, "
            f"refresh_token: {pair['refresh_token']!r}, role: 'admin'}}))"
        )
        cases = {
            "dashboard": dict(
                url=gw + "/dashboard", ready="[data-counts-ready=true]", init=session
            ),
            "dashboard, all charts": dict(
                url=gw + "/dashboard", ready="section[data-ready=true]", init=session
            ),
            "unit page": dict(
                url=f"{gw}/h5/#t={unit_token}", ready="[data-testid=h5-task]", phone=True
            ),
            "unit page, slow network": dict(
                url=f"{gw}/h5/#t={unit_token}",
                ready="[data-testid=h5-task]",
                phone=True,
                throttle=True,
            ),
        }
        table = Table(title=f"web app, headless Chromium, cold cache, median of {args.reps}")
        for col in ("page", "JS gzipped", "goal", "first paint", "first render of content"):
            table.add_column(col, justify="left" if col == "page" else "right")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage"],
            )
            for name, case in cases.items():
                runs = [measure(browser, **case) for _ in range(args.reps)]  # type: ignore[arg-type]
                js = runs[0][0]
                fcp = statistics.median(r[1] for r in runs)
                ttr = statistics.median(r[2] for r in runs)
                goal = GOALS.get(name)
                ok = goal is None or js <= goal
                table.add_row(
                    name,
                    f"[{'green' if ok else 'red'}]{js / 1024:,.1f} KB[/]",
                    f"≤ {goal // 1024} KB" if goal else "",
                    f"{fcp:,.0f} ms",
                    f"{ttr:,.0f} ms",
                )
            browser.close()
        console.print(table)


if __name__ == "__main__":
    main()
