"""The five seed plans, parsed and scored against their gold files (gold/) by the scorer."""

from __future__ import annotations

from pathlib import Path

from _seeds import SEED_GOLD, SEEDS, score_documents

FIGURES = (
    "tasks",
    "task_titles",
    "units",
    "deadlines",
    "indicators",
    "indicator_fields",
    "targets",
    "key_list",
    "document",
)


def test_every_seed_has_gold() -> None:
    texts = sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert len(texts) == 5
    assert texts == sorted(p.stem for p in SEED_GOLD.glob("*.json"))


def test_seed_scores(tmp_path: Path) -> None:
    s = score_documents(SEEDS, SEED_GOLD, tmp_path)
    below = {k: s[k]["f1"] for k in FIGURES if s[k]["f1"] < 1.0}  # type: ignore[index]
    assert not below, f"below 1.000: {below}"
    assert s["lead_accuracy"] == 1.0, s["lead_accuracy"]
