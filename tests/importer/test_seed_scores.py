"""The five seed plans, parsed and scored by the shared scorer against the issue's thresholds."""
from __future__ import annotations

import json
from pathlib import Path

from dudao_tasks.importer import parse_file

from _seeds import load_scorer, require_seeds

THRESHOLDS = {
    "tasks": 1.0,
    "task_titles": 0.99,
    "units": 0.99,
    "deadlines": 0.97,
    "indicators": 0.98,
    "indicator_fields": 0.98,
    "targets": 0.92,
    "key_list": 0.98,
    "document": 0.97,
}


def test_seed_scores(tmp_path: Path) -> None:
    seeds = require_seeds()
    scorer = load_scorer(seeds)
    for p in sorted(seeds.glob("*.txt")):
        out = parse_file(p)
        (tmp_path / f"{p.stem}.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    s = scorer.score(seeds / "gold", tmp_path)
    low = {k: s[k]["f1"] for k, floor in THRESHOLDS.items() if s[k]["f1"] < floor}
    assert not low, f"below threshold: {low}"
    assert s["lead_accuracy"] >= 0.99, s["lead_accuracy"]
