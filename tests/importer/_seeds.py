"""Where the shared seed plans and the scorer live (../shared next to the repository)."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest


def seeds_dir() -> Path | None:
    env = os.environ.get("DUDAO_SEEDS_DIR")
    cands = [Path(env)] if env else []
    cands.append(Path(__file__).resolve().parents[3] / "shared" / "seeds")
    for c in cands:
        if (c / "gold").is_dir() and any(c.glob("*.txt")):
            return c
    return None


def require_seeds() -> Path:
    d = seeds_dir()
    if d is None:
        pytest.skip("seed plans not found: set DUDAO_SEEDS_DIR or place ../shared/seeds next to the repository")
    return d


def load_scorer(seeds: Path) -> ModuleType:
    path = seeds.parent / "tools" / "score_import.py"
    if not path.is_file():
        pytest.skip(f"scorer not found at {path}")
    spec = importlib.util.spec_from_file_location("score_import", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def seed_texts() -> dict[str, str]:
    d = require_seeds()
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))}
