"""How much of a document the importer will read, and the error for a document beyond that.

An upload is small on the wire and can still be huge inside: a .docx is a zip (a few hundred KB
can inflate to gigabytes or to millions of paragraphs) and a PDF can hold thousands of pages.
The readers check these figures before doing the expensive work, so an oversized document is
refused in milliseconds instead of occupying a worker for minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DocumentTooLarge", "Limits", "ParseTimeLimit"]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    """The file as uploaded."""
    max_unpacked_bytes: int = 60 * 1024 * 1024
    """Everything inside a .docx once decompressed (zip bombs)."""
    max_paragraphs: int = 100_000
    """Paragraphs of a .docx, lines of a text file."""
    max_table_cells: int = 200_000
    """Table cells of a .docx."""
    max_pages: int = 1_000
    """Pages of a PDF."""
    max_characters: int = 5_000_000
    """Characters of the text the parser reads."""
    cpu_seconds: int = 20
    """CPU time one isolated parse may use (``dudao_importer.isolated``)."""


@dataclass
class DocumentTooLarge(ValueError):
    """The document exceeds one of the limits; ``limit`` names the field of ``Limits``."""

    limit: str
    allowed: int
    found: int

    def __str__(self) -> str:
        return f"文件超出上限 {self.limit}={self.allowed}（实际至少 {self.found}）"


@dataclass
class ParseTimeLimit(ValueError):
    """Parsing did not finish within the CPU (or wall-clock) time allowed."""

    limit: str
    allowed: int

    def __str__(self) -> str:
        return f"文件解析超出时间上限 {self.limit}={self.allowed} 秒"
