"""The importer's test material, all inside the repository.

- the five seed plans: ``deploy/seeds/*.txt`` (the texts ``dudao run`` loads), gold in ``gold/``;
- the development set: ``dev/*.txt`` with gold in ``dev/gold/`` (``dev/INDEX.md`` says where each
  came from);
- plans the parser was not tuned on: ``unseen/*.txt`` with gold in ``unseen/gold/``;
- the spec the gold follows: ``spec/parsed-plan.md``; the scorer: ``score_import.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from score_import import score

from dudao_importer import parse_file
from dudao_shared.parsed_plan import ParsedPlan

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SEEDS = ROOT / "deploy" / "seeds"
SEED_GOLD = HERE / "gold"
DEV = HERE / "dev"
UNSEEN = HERE / "unseen"


def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def score_documents(texts: Path, gold: Path, out: Path) -> dict[str, object]:
    """Parse every text that has a gold file and score the lot with the shared scorer."""
    for g in sorted(gold.glob("*.json")):
        parsed = parse_file(texts / f"{g.stem}.txt")
        (out / g.name).write_text(parsed.to_json(), encoding="utf-8")
    return score(gold, out)


def gold_of(gold: Path, name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((gold / f"{name}.json").read_text(encoding="utf-8"))
    return data


def json_of(plan: ParsedPlan) -> dict[str, Any]:
    """The interchange JSON of a parsed plan, as the scorer and the services read it."""
    data: dict[str, Any] = json.loads(plan.to_json())
    return data
