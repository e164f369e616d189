"""A .docx holding a seed's text parses like the .txt on every scored field."""

from __future__ import annotations

import io
from typing import Any

import pytest
from _seeds import json_of, seed_texts

from dudao_importer import parse_bytes, parse_text
from dudao_importer.tables import find_tables
from dudao_importer.text import normalise

docx = pytest.importorskip("docx")


def scored(out: dict[str, Any]) -> dict[str, Any]:
    items = sorted(
        (
            i["code"],
            i["kind"],
            i["title"],
            tuple((u["name"], u["role"]) for u in i.get("units") or []),
            tuple(i.get("deadlines") or ()),
        )
        for i in out["items"]
    )
    inds = sorted(
        (
            i["name"],
            i["unit"],
            i["seq"] or "",
            i["domain"] or "",
            i["nature"] or "",
            str(i["baseline"]["value"]),
            str(i["target"].get("value")),
            str(i["target"].get("comparator")),
            i["target"]["kind"],
        )
        for i in out["indicators"]
    )
    targets = sorted(
        (str(t["item"]), t["value"], t["comparator"], t["year"] or 0) for t in out["targets"]
    )
    keys = sorted((k["no"], k["title"], tuple(k.get("units") or ())) for k in out["key_list"])
    doc = {
        k: out["document"].get(k) for k in ("title", "doc_number", "issuer", "issued_on", "period")
    }
    return {
        "items": items,
        "indicators": inds,
        "targets": targets,
        "key_list": keys,
        "document": doc,
    }


def _save(d: Any) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["000", "001", "002", "003", "004"])
def test_docx_paragraph_per_line_matches_txt(name: str) -> None:
    texts = seed_texts()
    match = [k for k in texts if k.startswith(name)]
    if not match:
        pytest.skip(f"no seed {name}")
    name = match[0]
    text = texts[name]
    d = docx.Document()
    for line in text.split("\n"):
        d.add_paragraph(line)
    got = scored(json_of(parse_bytes(_save(d), f"{name}.docx")))
    want = scored(json_of(parse_text(text)))
    assert got == want


def test_docx_with_real_word_table_matches_txt() -> None:
    texts = seed_texts()
    # The seed whose indicator table came out of the export one cell per line.
    name = next((n for n, t in texts.items() if json_of(parse_text(t))["indicators"]), None)
    if name is None:
        pytest.skip("no seed with an indicator table")
    norm = normalise(texts[name])
    lines = norm.split("\n")
    table = next(t for t in find_tables(lines) if any("指标" in c for c in t.rows[0]))
    d = docx.Document()
    for line in lines[: table.first_line]:
        d.add_paragraph(line)
    width = max(len(r) for r in table.rows)
    wt = d.add_table(rows=len(table.rows), cols=width)
    for r, row in enumerate(table.rows):
        for c, val in enumerate(row):
            wt.cell(r, c).text = val
    for line in lines[table.last_line + 1 :]:
        d.add_paragraph(line)
    got = scored(json_of(parse_bytes(_save(d), f"{name}.docx")))
    want = scored(json_of(parse_text(texts[name])))
    assert got["indicators"] and got == want


def test_docx_key_list_table_gives_units_to_tasks() -> None:
    d = docx.Document()
    for line in [
        "某市医疗服务提升行动方案",
        "一、重点任务",
        "1.建设区域医疗中心。到2025年建成。",
        "2.完善分级诊疗。2024年底前出台政策。",
        "附件",
        "任务分工表",
    ]:
        d.add_paragraph(line)
    t = d.add_table(rows=3, cols=4)
    for r, row in enumerate(
        [
            ["序号", "重点任务", "牵头单位", "配合单位"],
            ["1", "建设区域医疗中心", "市卫健委", "市发改委、市财政局"],
            ["2", "完善分级诊疗", "市卫健委、市医保局", "各县（区）政府"],
        ]
    ):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    out = json_of(parse_bytes(_save(d), "plan.docx"))
    tasks = {i["code"]: i for i in out["items"] if i["kind"] == "task"}
    assert tasks["一.1"]["units"] == [
        {"name": "市卫健委", "role": "lead"},
        {"name": "市发改委", "role": "co"},
        {"name": "市财政局", "role": "co"},
    ]
    assert [u["role"] for u in tasks["一.2"]["units"]] == ["lead", "lead", "co"]
    assert [k["no"] for k in out["key_list"]] == ["1", "2"]
