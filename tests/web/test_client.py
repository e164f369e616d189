"""The web app's typed API client cannot drift from the API, and its own checks pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
BIN = WEB / "node_modules" / ".bin"


def _node_tools() -> None:
    if (BIN / "vite").exists():
        return
    why = "web/node_modules missing (make web runs npm ci)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def test_checked_in_openapi_document_is_the_gateways() -> None:
    fresh = subprocess.run(
        [sys.executable, str(WEB / "scripts" / "openapi.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(fresh) == json.loads((WEB / "openapi.json").read_text()), (
        "web/openapi.json is stale: run `make web-client` and commit the result"
    )


def test_generated_types_match_the_checked_in_document(tmp_path: Path) -> None:
    _node_tools()
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(BIN / "openapi-typescript"), "openapi.json", "-o", str(out)],
        cwd=WEB,
        capture_output=True,
        check=True,
    )
    assert out.read_text() == (WEB / "src" / "api" / "schema.d.ts").read_text(), (
        "web/src/api/schema.d.ts is stale: run `make web-client` and commit the result"
    )


def test_client_side_logic_unit_tests() -> None:
    _node_tools()
    r = subprocess.run(
        [str(BIN / "vitest"), "run", "--reporter=dot"], cwd=WEB, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_typescript_types_check() -> None:
    _node_tools()
    r = subprocess.run(
        [str(BIN / "vue-tsc"), "--noEmit", "-p", "tsconfig.json"],
        cwd=WEB,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
