"""The gates every change passes: one linter, one formatter, strict types, import contracts
(rules in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["services", "shared", "cli", "importer", "bench"]


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True)


def test_ruff_is_clean() -> None:
    out = _run(_tool("ruff"), "check", *SOURCES, "tests")
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format_is_clean() -> None:
    out = _run(_tool("ruff"), "format", "--check", *SOURCES, "tests")
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_strict_is_clean() -> None:
    out = _run(
        sys.executable,
        "-m",
        "mypy",
        "shared/dudao_shared",
        "services/gateway/dudao_gateway",
        "services/tasks/dudao_tasks",
        "services/indicators/dudao_indicators",
        "cli/dudao_cli",
        "importer/dudao_importer",
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_import_contracts_hold() -> None:
    out = _run(_tool("lint-imports"))
    assert out.returncode == 0, out.stdout + out.stderr
