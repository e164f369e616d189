"""The same tables written in the forms exports produce: with outer bars (Markdown) and without
(cells joined by |, a leading bar for an empty first cell). Both must parse alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _seeds import UNSEEN
from score_import import score

from dudao_importer import parse_text

BARRED = sorted(
    p for p in UNSEEN.glob("*.txt") if re.search(r"^\|", p.read_text(encoding="utf-8"), re.M)
)


def _without_outer_bars(text: str) -> str:
    return "\n".join(
        re.sub(r"^\|\s?|\s*\|$", "", ln) if ln.startswith("|") else ln for ln in text.split("\n")
    )


def test_there_are_documents_with_tables() -> None:
    assert len(BARRED) >= 2


@pytest.mark.parametrize("path", BARRED, ids=lambda p: p.stem)
def test_tables_without_outer_bars_parse_like_markdown_tables(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / f"{path.stem}.json").write_bytes((UNSEEN / "gold" / f"{path.stem}.json").read_bytes())
    figures = {}
    for form, body in (("barred", text), ("bare", _without_outer_bars(text))):
        out = tmp_path / form
        out.mkdir()
        (out / f"{path.stem}.json").write_text(parse_text(body).to_json(), encoding="utf-8")
        figures[form] = score(gold, out)
    for figure in ("indicators", "indicator_fields", "key_list", "key_list_units"):
        assert figures["bare"][figure] == figures["barred"][figure], figure
    assert figures["bare"]["overall"] == figures["barred"]["overall"] == 1.0
