"""Plans the importer was not tuned on (other provinces, levels and genres), scored like the seeds.

unseen/NAME.txt are plan documents written after the parser, with hand-made gold in
unseen/gold/NAME.json following spec/parsed-plan.md. They guard generalisation: a rule that only
fits the five seeds shows up here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _seeds import UNSEEN, json_of, score_documents

from dudao_importer import parse_file

OVERALL_FLOOR = 0.95
TARGETS_FLOOR = 0.85


def _documents() -> list[Path]:
    return sorted(UNSEEN.glob("*.txt"))


def test_every_unseen_document_has_gold() -> None:
    docs = _documents()
    assert len(docs) >= 6
    missing = [p.name for p in docs if not (UNSEEN / "gold" / f"{p.stem}.json").is_file()]
    assert not missing, missing


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.stem)
def test_unseen_document_parses(path: Path) -> None:
    out = json_of(parse_file(path))
    assert out["document"]["title"], path.name
    assert any(i["kind"] == "task" for i in out["items"]), path.name


def test_unseen_scores(tmp_path: Path) -> None:
    s = score_documents(UNSEEN, UNSEEN / "gold", tmp_path)
    figures = {k: v["f1"] for k, v in s.items() if isinstance(v, dict) and "f1" in v}
    assert s["overall"] >= OVERALL_FLOOR, (s["overall"], figures)
    assert s["targets"]["f1"] >= TARGETS_FLOOR, figures
