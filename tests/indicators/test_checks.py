"""The indicator service's checks run with its tests: strict typing, its import contracts and
the formatter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVICE = "services/indicators/"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True)


def test_mypy_strict_finds_nothing_in_the_service() -> None:
    out = _run(str(BIN / "mypy"), "-p", "dudao_indicators")
    errors = [line for line in out.stdout.splitlines() if line.startswith(SERVICE)]
    assert errors == [], out.stdout


def test_import_contracts_are_kept() -> None:
    contracts = ("indicators-layers", "indicators-tiers", "indicators-domains")
    args = [a for c in contracts for a in ("--contract", c)]
    out = _run(str(BIN / "lint-imports"), "--no-cache", *args)
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format_leaves_the_service_and_its_tests_alone() -> None:
    out = _run(str(BIN / "ruff"), "format", "--check", SERVICE, "tests/indicators")
    assert out.returncode == 0, out.stdout + out.stderr
