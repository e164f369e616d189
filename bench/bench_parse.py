"""Parse time of every seed plan, every development-set document and a 108-page PDF.

Usage: python bench/bench_parse.py [--smoke]

Each file is parsed from its bytes (reading included) three times; the best run is printed as
wall-clock and CPU time. The machine is shared, so CPU time is the figure that says what the
parser costs; the target for the 108-page PDF is under 1.5 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from dudao_importer import parse_bytes

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    *sorted((ROOT / "deploy" / "seeds").glob("*.txt")),
    *sorted((ROOT / "tests" / "importer" / "dev").glob("*.txt")),
    ROOT
    / "tests"
    / "importer"
    / "dev"
    / "05_shunde-arbovirus-epi-command-centre-guideline.source.docx",
    ROOT / "tests" / "importer" / "real" / "healthy-china-action-2019-2030.pdf",
]
PDF_TARGET = 1.5


def best(data: bytes, name: str, runs: int = 3) -> tuple[float, float]:
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        parse_bytes(data, name)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main() -> int:
    # --smoke: each file once, and the target not enforced: only that the script runs.
    smoke = "--smoke" in sys.argv[1:]
    parse_bytes(FILES[0].read_bytes(), FILES[0].name)  # first call pays for imports
    print(f"{'document':<62}{'size':>10}{'wall ms':>10}{'cpu ms':>10}")
    pdf_cpu = 0.0
    for path in FILES:
        data = path.read_bytes()
        wall, cpu = best(data, path.name, runs=1 if smoke else 3)
        print(f"{path.name[:60]:<62}{len(data):>10}{wall * 1000:>10.1f}{cpu * 1000:>10.1f}")
        if path.suffix == ".pdf":
            pdf_cpu = cpu
    verdict = "under" if pdf_cpu < PDF_TARGET else "OVER"
    print(f"108-page PDF: {pdf_cpu:.2f} s CPU ({verdict} the {PDF_TARGET} s target)")
    return 0 if smoke or pdf_cpu < PDF_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
