"""A saved web page (.html) → plain text: one line per block, data tables as ``a | b`` rows.

Government sites lay pages out with tables, so a table that holds other tables or long
paragraphs is layout and is read as blocks; a table of short cells is data and keeps its rows.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import html as lxml_html  # type: ignore[import-untyped]

__all__ = ["read_html"]

_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "li", "ul", "ol", "h1", "h2", "h3",
    "h4", "h5", "h6", "tr", "table", "tbody", "thead", "blockquote", "pre", "center", "dd",
    "dt", "dl", "form", "body",
}  # fmt: skip
_DROP = "//script|//style|//noscript|//head|//iframe|//select|//button"
_LONG_CELL = 120


def _cell(el: Any) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip().replace("|", "｜")


def _is_data(table: Any) -> bool:
    if table.xpath(".//table"):
        return False
    cells = table.xpath(".//td|.//th")
    return bool(cells) and all(len(_cell(c)) <= _LONG_CELL for c in cells)


def _walk(el: Any, out: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "br":
        out.append("\n")
    elif tag == "table" and _is_data(el):
        out.append("\n")
        for tr in el.xpath(".//tr"):
            cells = [_cell(c) for c in tr.xpath("./td|./th")]
            if any(cells):
                out.append(" | ".join(c for c in cells) + "\n")
        out.append("\n")
    else:
        block = tag in _BLOCKS or tag == "td"
        if block:
            out.append("\n")
        if el.text:
            out.append(el.text)
        for child in el:
            _walk(child, out)
        if block:
            out.append("\n")
    if el.tail:
        out.append(el.tail)


def read_html(text: str) -> str:
    doc = lxml_html.document_fromstring(text)
    for bad in doc.xpath(_DROP):
        bad.drop_tree()
    out: list[str] = []
    _walk(doc, out)
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", ln).strip() for ln in "".join(out).split("\n")]
    return "\n".join(ln for ln in lines if ln)
