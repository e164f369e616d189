"""`dudao parse`: the parsed plan as JSON on stdout, page progress for long PDFs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dudao_importer import parse_file

REAL = Path(__file__).resolve().parent / "real"
PDF = REAL / "healthy-china-action-2019-2030.pdf"


def test_pages_are_reported_as_they_are_read() -> None:
    seen: list[tuple[int, int]] = []
    parse_file(PDF, on_page=lambda done, total: seen.append((done, total)))
    assert seen[0] == (1, 108) and seen[-1] == (108, 108)
    assert [d for d, _ in seen] == list(range(1, 109))


def test_cli_prints_the_parsed_plan_as_json() -> None:
    dudao = Path(sys.executable).with_name("dudao")
    out = subprocess.run(
        [str(dudao), "parse", str(PDF)], capture_output=True, text=True, check=True
    )
    plan = json.loads(out.stdout)
    assert plan["document"]["title"] == "健康中国行动（2019-2030年）"
    assert "text" not in plan
    assert len(plan["indicators"]) > 100


def test_cli_refuses_an_unreadable_file(tmp_path: Path) -> None:
    junk = tmp_path / "plan.xlsx"
    junk.write_bytes(b"not a plan")
    dudao = Path(sys.executable).with_name("dudao")
    out = subprocess.run([str(dudao), "parse", str(junk)], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stdout == ""
    assert "无法解析" in out.stderr
