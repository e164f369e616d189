"""Odd input degrades to fewer findings and warnings: never an exception, never invented structure."""

from __future__ import annotations

import io
import random
import re
from collections import Counter
from typing import Any

import pytest
from _seeds import json_of, seed_texts

from dudao_importer import UnsupportedDocument, parse_bytes, parse_text

SCORED = ("code", "title", "kind")


def _check_shape(out: dict[str, Any]) -> None:
    assert set(out) >= {
        "document",
        "items",
        "indicators",
        "targets",
        "key_list",
        "warnings",
        "text",
    }
    text = out["text"]
    for it in out["items"]:
        assert it["kind"] in {"section", "task", "project"}
        s, e = it["span"]
        assert 0 <= s <= e <= len(text)
        if it["kind"] != "section":
            assert isinstance(it["deadlines"], list)
            assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in it["deadlines"])
    for t in out["targets"]:
        s, e = t["span"]
        assert 0 <= s <= e <= len(text)
    for w in out["warnings"]:
        assert {"code", "message", "span"} <= set(w)


@pytest.mark.parametrize(
    "junk",
    [
        "",
        " \n\t\n",
        "\x00\x01\x02 garbage \ufffd\ufffd",
        "一、" * 5000,
        "（一）" + "很长的一行没有句号" * 20000,
        "1.\n2.\n3.\n（）\n（一\n一、\n专栏\n附件",
        "|||\n| a |\n\t\n\t\n\t1\n预期性 |\n",
        "".join(chr(random.Random(7).randrange(0x20, 0x9FFF)) for _ in range(20000)),
    ],
)
def test_garbage_text(junk: str) -> None:
    out = json_of(parse_text(junk))
    _check_shape(out)


def test_empty_text_has_no_structure() -> None:
    out = json_of(parse_text(""))
    assert out["items"] == [] and out["targets"] == [] and out["indicators"] == []
    assert any(w["code"] == "no_structure" for w in out["warnings"])


def test_prose_without_numbering_invents_nothing() -> None:
    text = "为推进卫生健康事业发展，各地要加强领导，到2025年基本建成体系。\n" * 50
    out = json_of(parse_text(text))
    assert out["items"] == []
    assert out["warnings"]


@pytest.mark.parametrize(
    "data,name",
    [
        (b"", "x.bin"),
        (bytes(range(256)) * 100, "x.exe"),
        (b"PK\x03\x04garbage", "x.docx"),
        (b"%PDF-1.4 garbage", "x.pdf"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "x.doc"),
        (b"not really a docx", "x.docx"),
    ],
)
def test_unsupported_bytes(data: bytes, name: str) -> None:
    with pytest.raises(UnsupportedDocument):
        parse_bytes(data, name)
    assert issubclass(UnsupportedDocument, ValueError)


def test_text_bytes_in_gb18030_and_utf8_bom() -> None:
    text = "一、重点任务\n1.加强队伍建设。到2025年底完成。（市卫生健康委）\n"
    for data in (
        text.encode("gb18030"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        text.encode("utf-16"),
    ):
        out = json_of(parse_bytes(data, "plan.txt"))
        tasks = [i for i in out["items"] if i["kind"] == "task"]
        assert [t["code"] for t in tasks] == ["一.1"]
        assert tasks[0]["deadlines"] == ["2025-12-31"]
        assert tasks[0]["units"] == [{"name": "市卫生健康委", "role": "lead"}]


def test_binary_junk_named_txt_does_not_crash() -> None:
    data = bytes(random.Random(3).randrange(256) for _ in range(50000))
    try:
        out = json_of(parse_bytes(data, "junk.txt"))
    except UnsupportedDocument:
        return
    _check_shape(out)


def test_docx_without_tables() -> None:
    docx = pytest.importorskip("docx")
    d = docx.Document()
    for line in [
        "某县卫生健康工作方案",
        "一、重点任务",
        "（一）加强基层建设。到2024年底完成改造。（县卫健委牵头，县财政局配合）",
    ]:
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    out = json_of(parse_bytes(buf.getvalue(), "plan.docx"))
    _check_shape(out)
    task = [i for i in out["items"] if i["kind"] == "task"][0]
    assert task["code"] == "一.(一)"
    assert task["units"] == [
        {"name": "县卫健委", "role": "lead"},
        {"name": "县财政局", "role": "co"},
    ]
    assert task["deadlines"] == ["2024-12-31"]


def _spaces(t: str, rnd: random.Random) -> str:
    return re.sub(
        r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", lambda m: " " if rnd.random() < 0.15 else "", t
    )


def _brackets(t: str, rnd: random.Random) -> str:
    t = re.sub(r"^(\W*)[（(]([一二三四五六七八九十]+)[）)]", r"\1〔\2〕", t, flags=re.M)
    return re.sub(r"^(\W*)[（(](\d+)[）)]", r"\1[\2]", t, flags=re.M)


def _numerals(t: str, rnd: random.Random) -> str:
    return re.sub(r"^(\W*)(\d{1,2})\s*[.．]\s*(?=\D)", r"\1\2、", t, flags=re.M)


def _wrapped(t: str, rnd: random.Random) -> str:
    out: list[str] = []
    for n, ln in enumerate(t.split("\n")):
        if "\t" in ln or "|" in ln or len(ln) <= 36:
            out.append(ln)
            continue
        out.extend(ln[i : i + 36] for i in range(0, len(ln), 36))
        if n % 7 == 0:
            out += ["", f"- {n} -", ""]
    return "\n".join(out)


def _scored(out: dict[str, Any]) -> dict[str, Any]:
    tasks = {
        i["code"]: (i["title"], [u["name"] for u in i.get("units") or []], i.get("deadlines"))
        for i in out["items"]
        if i["kind"] == "task"
    }
    targets = sorted(
        (str(t["item"]), t["value"], t["comparator"], t["year"] or 0) for t in out["targets"]
    )
    return {"tasks": tasks, "targets": targets}


@pytest.mark.parametrize("perturb", [_spaces, _brackets, _numerals, _wrapped])
def test_perturbed_seeds_parse_alike(perturb: Any) -> None:
    texts = seed_texts()
    for name, text in texts.items():
        base = _scored(json_of(parse_text(text)))
        out = json_of(parse_text(perturb(text, random.Random(1))))
        _check_shape(out)
        got = _scored(out)
        assert set(got["tasks"]) == set(base["tasks"]), name
        same = sum(1 for c in base["tasks"] if got["tasks"].get(c) == base["tasks"][c])
        assert same >= 0.95 * len(base["tasks"]), (name, perturb.__name__)
        common = sum((Counter(got["targets"]) & Counter(base["targets"])).values())
        assert common >= 0.9 * len(base["targets"]), (name, perturb.__name__)
