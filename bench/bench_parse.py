"""Parse time of the five seed plans, each and total (target: well under 1 s in total).

Usage: python bench/bench_parse.py [SEEDS_DIR]   (default deploy/seeds, or $DUDAO_SEEDS_DIR)
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from dudao_importer import parse_text


def main(argv: list[str]) -> int:
    default = os.environ.get("DUDAO_SEEDS_DIR") or str(Path(__file__).resolve().parents[1] / "deploy" / "seeds")
    seeds = Path(argv[0] if argv else default)
    files = sorted(seeds.glob("*.txt"))
    if not files:
        print(f"no seed plans in {seeds}", file=sys.stderr)
        return 2
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in files]
    parse_text(texts[0][1])  # first call pays for regex compilation and imports
    total = 0.0
    for name, text in texts:
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            parse_text(text, source_name=name)
            runs.append(time.perf_counter() - t0)
        best = min(runs)
        total += best
        print(f"{name:<28}{len(text):>8} chars{best * 1000:>10.1f} ms")
    print(f"{'total':<28}{sum(len(t) for _, t in texts):>8} chars{total * 1000:>10.1f} ms")
    return 0 if total < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
