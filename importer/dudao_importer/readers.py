"""Turn file bytes into plain text. Tables come out as ``| a | b |`` rows in document order."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from .text import decode_bytes

__all__ = ["UnsupportedDocument", "read_bytes", "read_docx", "read_pdf"]

_TEXT_EXT = (".txt", ".md", ".markdown", ".text")
_MAX_BYTES = 200 * 1024 * 1024


class UnsupportedDocument(ValueError):
    """The file is not a plan document this importer can read (unknown type or corrupt)."""


def _cell_text(s: str) -> str:
    # A cell's paragraphs belong to one value ('2020年' / '基期值').
    return re.sub(r"\s*\n\s*", "", s).replace("|", "｜").strip()


def _row_line(cells: list[str]) -> str:
    return "| " + " | ".join(_cell_text(c) for c in cells) + " |"


def read_docx(data: bytes) -> str:
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - dependency is pinned
        raise UnsupportedDocument("python-docx 不可用，无法读取 .docx") from exc
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for broken packages
        raise UnsupportedDocument(f"无法打开 .docx 文件：{exc.__class__.__name__}") from exc
    out: list[str] = []
    try:
        body = d.element.body
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                out.append(Paragraph(child, d).text)
            elif tag == "tbl":
                tbl = Table(child, d)
                out.append("")
                for row in tbl.rows:
                    cells: list[str] = []
                    last: Any = None
                    for c in row.cells:
                        # Horizontally merged cells repeat the same cell object.
                        if last is not None and c._tc is last:
                            continue
                        last = c._tc
                        cells.append(c.text)
                    out.append(_row_line(cells))
                out.append("")
    except Exception as exc:
        raise UnsupportedDocument(f".docx 内容无法解析：{exc.__class__.__name__}") from exc
    return "\n".join(out)


def read_pdf(data: bytes) -> str:
    try:
        import pdfplumber
    except ImportError as exc:  # pragma: no cover
        raise UnsupportedDocument("pdfplumber 不可用，无法读取 .pdf") from exc
    out: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                try:
                    found = page.find_tables()
                except Exception:
                    found = []
                bands: list[tuple[float, str]] = []
                top = 0.0
                boxes = sorted((t.bbox for t in found), key=lambda b: b[1])
                for t, bbox in zip(sorted(found, key=lambda t: t.bbox[1]), boxes, strict=False):
                    x0, y0, x1, y1 = bbox
                    if y0 > top:
                        crop = page.crop((0, top, page.width, min(y0, page.height)))
                        bands.append((top, crop.extract_text() or ""))
                    rows = t.extract() or []
                    bands.append((y0, "\n".join(_row_line([c or "" for c in r]) for r in rows)))
                    top = max(top, y1)
                if top < page.height:
                    rest = page.crop((0, top, page.width, page.height)) if top > 0 else page
                    bands.append((top, rest.extract_text() or ""))
                out.append("\n".join(b for _, b in bands))
    except UnsupportedDocument:
        raise
    except Exception as exc:
        raise UnsupportedDocument(f"无法读取 PDF：{exc.__class__.__name__}") from exc
    text = "\n".join(out)
    if not text.strip():
        raise UnsupportedDocument("PDF 没有文字层（可能是扫描件），需先做文字识别")
    return text


def read_bytes(data: bytes, filename: str) -> str:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UnsupportedDocument("输入不是字节串")
    data = bytes(data)
    if len(data) > _MAX_BYTES:
        raise UnsupportedDocument("文件过大")
    name = (filename or "").lower()
    if data.startswith(b"%PDF"):
        return read_pdf(data)
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                is_docx = "word/document.xml" in z.namelist()
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise UnsupportedDocument("压缩包已损坏，无法作为 .docx 读取") from exc
        if is_docx:
            return read_docx(data)
        raise UnsupportedDocument("不支持的压缩文件（不是 .docx）")
    if name.endswith((".docx", ".pdf")):
        raise UnsupportedDocument(f"文件内容与扩展名不符或已损坏：{filename}")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedDocument("旧版 .doc/.xls 文件不受支持，请另存为 .docx")
    if name.endswith(_TEXT_EXT):
        text = decode_bytes(data)
        if text.count("\x00") > len(text) // 10 + 1:
            raise UnsupportedDocument("文本文件含大量二进制内容")
        return text.replace("\x00", "")
    raise UnsupportedDocument(f"不支持的文件类型：{filename or '(无文件名)'}")
