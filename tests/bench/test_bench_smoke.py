"""Every benchmark in ``bench/`` still runs: each script at its smallest sizes (``--smoke``), as
a subprocess on the tests' PostgreSQL, must exit 0 and print the lines that carry its figures.

Benchmarks are not run by any other test, so a column added to a table they load, or a changed
signature they call, broke them silently before. Four start the whole platform as processes
(about half a minute each on this machine, mostly database creation, migrations and shutdown),
so the scripts run in three lanes side by side (about a minute in all on a quiet machine). How
long they take is not checked here: the benchmarks themselves print their ratios.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
# Only a guard against a benchmark that hangs; a smoke run takes well under a minute.
HANG_SECONDS = 600
NUMBER = r"[\d,]+(?:\.\d+)?"

# script → the lines (regular expressions, one line each) its figures are printed on.
EXPECTED: dict[str, list[str]] = {
    "bench_scale.py": [
        rf"^status update, \d+ connections\s+{NUMBER}\s+{NUMBER}\s+\d+%$",
        rf"^task read, \d+ connections\s+{NUMBER}\s+{NUMBER}\s+\d+%$",
        # CPU µs per request of the gateway and the task service.
        rf"^status update, \d+ connections\s+{NUMBER}\s+{NUMBER}$",
        rf"^task read, \d+ connections\s+{NUMBER}\s+{NUMBER}$",
        rf"^plan tasks, first page(\s+{NUMBER}){{3}}$",
        rf"^plan tasks, page at row 500(\s+{NUMBER}){{3}}$",
        rf"^a unit's assignments(\s+{NUMBER}){{3}}$",
        rf"^plan light summary(\s+{NUMBER}){{3}}$",
        rf"^  ceiling: /healthz, tasks direct\s+{NUMBER}\s+{NUMBER}\s+\d+%$",
        rf"^  ceiling: a region, via gateway\s+{NUMBER}\s+{NUMBER}\s+\d+%$",
        # The same pages in-process, the sizes side by side.
        r"^p50 ms in-process, side by side",
    ],
    "bench_feed.py": [
        rf"direct, fresh \(200\)\s+│\s+{NUMBER} │\s+{NUMBER}×",
        rf"gateway, fresh \(200\)\s+│\s+{NUMBER} │\s+{NUMBER}×",
        rf"gateway, revalidated \(304\)\s+│\s+{NUMBER} │\s+{NUMBER}×",
    ],
    "bench_gateway.py": [
        rf"trivial \(GET region, no database\)\s+│\s+{NUMBER} │\s+{NUMBER} │\s+\d+%",
        rf"task read \(GET task from PostgreSQL\)\s+│\s+{NUMBER} │\s+{NUMBER} │\s+\d+%",
    ],
    "bench_web.py": [
        rf"│ dashboard\s+│\s+{NUMBER} KB │",
        rf"│ unit page\s+│\s+{NUMBER} KB │",
        rf"│ unit page, slow network\s+│\s+{NUMBER} KB │",
    ],
    "bench_evaluation.py": [
        rf"^ratio compute ÷ raw SQL: {NUMBER}×$",
        rf"^ratio compute \+ render ÷ raw SQL: {NUMBER}×$",
    ],
    "bench_cascade.py": [
        rf"^cascade \d+ tasks → \d+ counties(\s+{NUMBER}){{3}}$",
        rf"^roll-up {NUMBER} copies(\s+{NUMBER}){{3}}$",
    ],
    "bench_indicators.py": [
        rf"^latest value per region \(1 indicator, \d+ regions\)(\s+{NUMBER}){{4}}$",
        rf"^plan scorecard \(\d+ indicators, 1 region\)(\s+{NUMBER}){{4}}$",
        rf"^  … through HTTP in-process(\s+{NUMBER}){{4}}$",
    ],
    "bench_reminders.py": [
        rf"^one sweep \(select \+ write all\)\s+{NUMBER} ms\s+ratio {NUMBER}×$",
        rf"^repeat sweep \(all sent before\)\s+{NUMBER} ms\s+ratio {NUMBER}×$",
        rf"^webhook deliveries: {NUMBER} in {NUMBER} s = {NUMBER}/s",
    ],
    "bench_sheets.py": [rf"^\s+ratio import ÷ COPY\s+{NUMBER}×$"],
    "bench_parse.py": [rf"^108-page PDF: {NUMBER} s CPU"],
}


# Three lanes side by side, each running its scripts one after the other: at most two whole
# platforms at once (each holds some tens of PostgreSQL connections, a shared server's
# ``max_connections`` is 100), and the in-process benchmarks beside them.
LANES = [
    ["bench_scale.py", "bench_gateway.py"],
    ["bench_feed.py", "bench_web.py"],
    [
        "bench_evaluation.py",
        "bench_cascade.py",
        "bench_reminders.py",
        "bench_indicators.py",
        "bench_sheets.py",
        "bench_parse.py",
    ],
]


def test_every_benchmark_is_listed() -> None:
    scripts = {p.name for p in BENCH.glob("bench_*.py")}
    assert scripts == set(EXPECTED)
    assert sorted(s for lane in LANES for s in lane) == sorted(EXPECTED)


def _run(script: str, env: dict[str, str]) -> tuple[str, int, str, float]:
    t0 = time.monotonic()
    try:
        out = subprocess.run(
            [sys.executable, str(BENCH / script), "--smoke"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=HANG_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        text = exc.stdout.decode() if isinstance(exc.stdout, bytes) else str(exc.stdout or "")
        return script, -1, f"timed out after {HANG_SECONDS} s\n{text[-2000:]}", HANG_SECONDS
    return script, out.returncode, out.stdout + out.stderr, time.monotonic() - t0


def test_every_benchmark_runs_at_its_smallest_size(pg_server: str) -> None:
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built (bench_web.py serves it): run `make web`")
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": pg_server,
        # Rich draws its tables this wide, so a row stays on one line.
        "COLUMNS": "200",
        "PYTHONUNBUFFERED": "1",
    }
    with ThreadPoolExecutor(max_workers=len(LANES)) as pool:
        lanes = list(pool.map(lambda lane: [_run(s, env) for s in lane], LANES))
    results = [r for lane in lanes for r in lane]
    problems = []
    for script, code, output, seconds in results:
        if code != 0:
            problems.append(f"{script} exited {code} after {seconds:.0f} s:\n{output[-3000:]}")
            continue
        for pattern in EXPECTED[script]:
            if not re.search(pattern, output, re.MULTILINE):
                problems.append(f"{script} printed no line like {pattern!r}:\n{output[-3000:]}")
    assert not problems, "\n\n".join(problems)
