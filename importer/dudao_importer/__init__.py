"""Plan-document importer: policy text (txt, md, docx, pdf) → parsed plan.

Public API:
    parse_text(text, *, source_name=None) -> ParsedPlan
    parse_bytes(data, filename) -> ParsedPlan
    parse_file(path) -> ParsedPlan
    parse_isolated(data, filename) -> ParsedPlan   (in a child process with a CPU limit)
    UnsupportedDocument (a ValueError) for files that are not a readable plan document;
    DocumentTooLarge beyond ``Limits``; ParseTimeLimit when parsing takes too long.
"""

from __future__ import annotations

import os
from pathlib import Path

from dudao_shared.parsed_plan import ParsedPlan

from .limits import DocumentTooLarge, Limits, ParseTimeLimit
from .parse import parse_normalised
from .pdf import PageProgress
from .readers import UnsupportedDocument, read_bytes
from .text import normalise

__all__ = [
    "DocumentTooLarge",
    "Limits",
    "ParseTimeLimit",
    "UnsupportedDocument",
    "parse_bytes",
    "parse_file",
    "parse_isolated",
    "parse_text",
    "warm_up",
]


def parse_text(text: str, *, source_name: str | None = None) -> ParsedPlan:
    """Parse plan text. Never raises on odd input: what cannot be read becomes a warning."""
    if not isinstance(text, str):
        raise TypeError("parse_text expects str; use parse_bytes for raw bytes")
    return parse_normalised(normalise(text), source_name)


def parse_bytes(
    data: bytes,
    filename: str,
    *,
    limits: Limits | None = None,
    on_page: PageProgress | None = None,
) -> ParsedPlan:
    """Parse a .txt/.md/.docx/.pdf/.html file's bytes; UnsupportedDocument for anything else.
    ``on_page(done, total)`` reports the pages of a PDF as they are read."""
    text = read_bytes(data, filename, limits or Limits(), on_page)
    return parse_text(text, source_name=os.path.basename(filename) if filename else None)


def parse_file(
    path: str | os.PathLike[str],
    *,
    limits: Limits | None = None,
    on_page: PageProgress | None = None,
) -> ParsedPlan:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise UnsupportedDocument(f"无法读取文件 {p.name}: {exc}") from exc
    return parse_bytes(data, p.name, limits=limits, on_page=on_page)


def parse_isolated(data: bytes, filename: str, *, limits: Limits | None = None) -> ParsedPlan:
    """``parse_bytes`` in a child process with a CPU-time limit (see ``isolated``)."""
    from .isolated import parse_isolated as run

    return run(data, filename, limits=limits)


def warm_up() -> None:
    """Start the process server of ``parse_isolated`` ahead of the first parse."""
    from .isolated import warm_up as start

    start()
