"""Turn file bytes into plain text. Tables come out as ``| a | b |`` rows in document order."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from .html import read_html
from .limits import DocumentTooLarge, Limits
from .pdf import PageProgress, PdfUnreadable, read_pdf_pages
from .text import decode_bytes

__all__ = ["UnsupportedDocument", "read_bytes", "read_docx", "read_pdf"]

_TEXT_EXT = (".txt", ".md", ".markdown", ".text")
_HTML_EXT = (".html", ".htm", ".shtml", ".xhtml")
_DEFAULT_LIMITS = Limits()


class UnsupportedDocument(ValueError):
    """The file is not a plan document this importer can read (unknown type or corrupt)."""


def _cell_text(s: str) -> str:
    # A cell's paragraphs belong to one value ('2020年' / '基期值').
    return re.sub(r"\s*\n\s*", "", s).replace("|", "｜").strip()


def _row_line(cells: list[str]) -> str:
    return "| " + " | ".join(_cell_text(c) for c in cells) + " |"


def _check_docx(z: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a .docx whose inside is too big before python-docx builds it in memory."""
    unpacked = sum(i.file_size for i in z.infolist())
    if unpacked > limits.max_unpacked_bytes:
        raise DocumentTooLarge("max_unpacked_bytes", limits.max_unpacked_bytes, unpacked)
    # zipfile stops at the declared size, so this read is bounded by the check above.
    xml = z.read("word/document.xml")
    paragraphs = xml.count(b"<w:p>") + xml.count(b"<w:p ")
    if paragraphs > limits.max_paragraphs:
        raise DocumentTooLarge("max_paragraphs", limits.max_paragraphs, paragraphs)
    cells = xml.count(b"<w:tc>") + xml.count(b"<w:tc ")
    if cells > limits.max_table_cells:
        raise DocumentTooLarge("max_table_cells", limits.max_table_cells, cells)


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


def read_pdf(
    data: bytes, limits: Limits = _DEFAULT_LIMITS, on_page: PageProgress | None = None
) -> str:
    try:
        pages = read_pdf_pages(data, limits, on_page)
    except PdfUnreadable as exc:
        raise UnsupportedDocument(f"无法读取 PDF：{exc}") from exc
    # Pages run on: a paragraph cut by a page end is re-joined by normalise().
    text = "\n".join("\n".join(lines) for lines in pages)
    if not text.strip():
        raise UnsupportedDocument("PDF 没有文字层（可能是扫描件），需先做文字识别")
    return text


def _check_text(text: str, limits: Limits) -> str:
    if len(text) > limits.max_characters:
        raise DocumentTooLarge("max_characters", limits.max_characters, len(text))
    lines = text.count("\n") + 1
    if lines > limits.max_paragraphs:
        raise DocumentTooLarge("max_paragraphs", limits.max_paragraphs, lines)
    return text


def read_bytes(
    data: bytes,
    filename: str,
    limits: Limits = _DEFAULT_LIMITS,
    on_page: PageProgress | None = None,
) -> str:
    """The text of a .txt/.md/.docx/.pdf file; DocumentTooLarge beyond ``limits``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UnsupportedDocument("输入不是字节串")
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge("max_bytes", limits.max_bytes, len(data))
    return _check_text(_read(data, filename, limits, on_page), limits)


def _read(data: bytes, filename: str, limits: Limits, on_page: PageProgress | None) -> str:
    name = (filename or "").lower()
    if data.startswith(b"%PDF"):
        return read_pdf(data, limits, on_page)
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                is_docx = "word/document.xml" in z.namelist()
                if is_docx:
                    _check_docx(z, limits)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            if isinstance(exc, DocumentTooLarge):
                raise
            raise UnsupportedDocument("压缩包已损坏，无法作为 .docx 读取") from exc
        if is_docx:
            return read_docx(data)
        raise UnsupportedDocument("不支持的压缩文件（不是 .docx）")
    if name.endswith((".docx", ".pdf")):
        raise UnsupportedDocument(f"文件内容与扩展名不符或已损坏：{filename}")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedDocument("旧版 .doc/.xls 文件不受支持，请另存为 .docx")
    if name.endswith(_HTML_EXT) or data.lstrip()[:15].lower().startswith(
        (b"<!doctype html", b"<html")
    ):
        return read_html(decode_bytes(data))
    if name.endswith(_TEXT_EXT):
        text = decode_bytes(data)
        if text.count("\x00") > len(text) // 10 + 1:
            raise UnsupportedDocument("文本文件含大量二进制内容")
        return text.replace("\x00", "")
    raise UnsupportedDocument(f"不支持的文件类型：{filename or '(无文件名)'}")
