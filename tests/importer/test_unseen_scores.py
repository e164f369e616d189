"""Plans the importer was not tuned on (other provinces, levels and genres), scored like the seeds.

tests/importer/unseen/NAME.txt are plan documents written after the parser, with hand-made gold
in unseen/gold/NAME.json following shared/specs/parsed-plan.md. They guard generalisation: a rule
that only fits the five seeds shows up here. The scorer is the shared one
(shared/tools/score_import.py, found next to the repository or under $DUDAO_SHARED_DIR).
"""
from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

import pytest

from dudao_tasks.importer import parse_file

UNSEEN = Path(__file__).resolve().parent / "unseen"

OVERALL_FLOOR = 0.95
TARGETS_FLOOR = 0.85


def _scorer() -> ModuleType:
    cands: list[Path] = []
    env = os.environ.get("DUDAO_SHARED_DIR")
    if env:
        cands.append(Path(env) / "tools" / "score_import.py")
        cands.append(Path(env) / "score_import.py")
    cands.append(Path(__file__).resolve().parents[3] / "shared" / "tools" / "score_import.py")
    for path in cands:
        if path.is_file():
            spec = importlib.util.spec_from_file_location("score_import_unseen", path)
            assert spec and spec.loader
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            return mod
    pytest.skip("shared scorer not found: set DUDAO_SHARED_DIR or place ../shared/tools next to the repository")


def _documents() -> list[Path]:
    return sorted(UNSEEN.glob("*.txt"))


def test_every_unseen_document_has_gold() -> None:
    docs = _documents()
    assert len(docs) >= 6
    missing = [p.name for p in docs if not (UNSEEN / "gold" / f"{p.stem}.json").is_file()]
    assert not missing, missing


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.stem)
def test_unseen_document_parses(path: Path) -> None:
    out = parse_file(path)
    assert out["document"]["title"], path.name
    assert any(i["kind"] == "task" for i in out["items"]), path.name
    json.dumps(out, ensure_ascii=False)  # the output must be plain JSON


def test_unseen_scores(tmp_path: Path) -> None:
    scorer = _scorer()
    for p in _documents():
        out = parse_file(p)
        (tmp_path / f"{p.stem}.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    s = scorer.score(UNSEEN / "gold", tmp_path)
    figures = {k: v["f1"] for k, v in s.items() if isinstance(v, dict) and "f1" in v}
    assert s["overall"] >= OVERALL_FLOOR, (s["overall"], figures)
    assert s["targets"]["f1"] >= TARGETS_FLOOR, figures
