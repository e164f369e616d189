"""The development set (dev/, real public documents with hand-made gold): scored on every run.

The floors are the figures the importer reaches today, so a change that loses ground on real
documents fails here; raise them as the importer improves.
"""

from __future__ import annotations

from pathlib import Path

from _seeds import DEV, score_documents

OVERALL_FLOOR = 0.99


def test_every_dev_document_has_gold() -> None:
    texts = sorted(p.stem for p in DEV.glob("*.txt"))
    assert len(texts) == 6
    assert texts == sorted(p.stem for p in (DEV / "gold").glob("*.json"))


def test_dev_scores(tmp_path: Path) -> None:
    s = score_documents(DEV, DEV / "gold", tmp_path)
    assert s["overall"] >= OVERALL_FLOOR, s
