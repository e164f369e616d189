"""PDF → plain text as a person reads it.

PDFium (``pypdfium2``) gives each page's text in reading order quickly. A page that carries a
ruled table (short lines and thin rules) has its cells found from the rules (the corners of
horizontal and vertical lines, as pdfplumber does, without its cost) and each cell's text read
from its box, so the table comes out as ``| a | b |`` rows. Running headers and footers (a
line repeated at the top or bottom of most pages) and page numbers are dropped, and pages are joined without a paragraph break, so a sentence or a unit
list cut by a page end is whole again once ``text.normalise`` re-joins wrapped lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from .limits import DocumentTooLarge, Limits

__all__ = ["PageProgress", "PdfUnreadable", "read_pdf_pages"]

PageProgress = Callable[[int, int], None]

_PAGE_NO = re.compile(
    r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d{1,4}\s*页.*$|^\d{1,4}\s*/\s*\d{1,4}$"
)
# A page whose lines are mostly short is a candidate for a ruled table (cells are short).
_SHORT = 10
_MIN_RULES = 8
# Lines at each end of a page where running headers, footers and page numbers stand.
_EDGE = 3


class PdfUnreadable(ValueError):
    """The bytes are not a PDF PDFium can open."""


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _tabular(lines: list[str]) -> bool:
    filled = [ln for ln in lines if ln]
    if len(filled) < 8:
        return False
    return sum(1 for ln in filled if len(ln) <= _SHORT) >= 0.35 * len(filled)


def _ruled(page: Any) -> bool:
    rules = 0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=1):
        left, bottom, right, top = obj.get_bounds()
        # Table rules are thin: a line or a hairline rectangle.
        if min(right - left, top - bottom) < 3:
            rules += 1
            if rules >= _MIN_RULES:
                return True
    return False


def _row_line(cells: list[str]) -> str:
    return (
        "| "
        + " | ".join(re.sub(r"\s*\n\s*", "", c).replace("|", "｜").strip() for c in cells)
        + " |"
    )


_TOL = 2.0
Box = tuple[float, float, float, float]  # left, bottom, right, top (PDF points, y up)


def _snap(values: list[float]) -> list[float]:
    """Cluster coordinates that differ by less than the tolerance; the cluster means."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= _TOL:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _near(v: float, grid: list[float]) -> float:
    return min(grid, key=lambda g: abs(g - v))


def _merge(segs: list[tuple[float, float, float]]) -> dict[float, list[tuple[float, float]]]:
    """Collinear segments (position, start, end) joined where they touch."""
    by: dict[float, list[tuple[float, float]]] = {}
    for pos, a, b in sorted(segs):
        spans = by.setdefault(pos, [])
        if spans and a <= spans[-1][1] + _TOL:
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    return by


def _covered(spans: list[tuple[float, float]], a: float, b: float) -> bool:
    return any(s - _TOL <= a and b <= e + _TOL for s, e in spans)


def _cells(page: Any) -> list[Box]:
    """The cells of the page's ruled tables, from its thin path objects (table rules)."""
    import pypdfium2.raw as pdfium_c

    hs: list[tuple[float, float, float]] = []
    vs: list[tuple[float, float, float]] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=1):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h < 3 and w >= 3:
            hs.append(((bottom + top) / 2, left, right))
        elif w < 3 and h >= 3:
            vs.append(((left + right) / 2, bottom, top))
        elif w >= 3 and h >= 3 and len(hs) + len(vs) < 4000:
            # A stroked rectangle: its four sides.
            hs += [(bottom, left, right), (top, left, right)]
            vs += [(left, bottom, top), (right, bottom, top)]
    if len(hs) < 2 or len(vs) < 2:
        return []
    ys, xs = _snap([y for y, _, _ in hs]), _snap([x for x, _, _ in vs])
    hmap = _merge([(_near(y, ys), a, b) for y, a, b in hs])
    vmap = _merge([(_near(x, xs), a, b) for x, a, b in vs])
    cells: list[Box] = []
    for top in sorted(hmap, reverse=True):
        for left in sorted(vmap):
            if not (_covered(hmap[top], left, left) and _covered(vmap[left], top, top)):
                continue
            # The nearest right rule and lower rule that close a box with this corner.
            done = False
            for right in sorted(x for x in vmap if x > left + _TOL):
                if not _covered(hmap[top], left, right):
                    break
                for bottom in sorted((y for y in hmap if y < top - _TOL), reverse=True):
                    if not _covered(vmap[left], bottom, top):
                        break
                    if _covered(vmap[right], bottom, top) and _covered(hmap[bottom], left, right):
                        cells.append((left, bottom, right, top))
                        done = True
                        break
                if done:
                    break
    return cells


def _tables(cells: list[Box]) -> list[list[Box]]:
    """Cells grouped into tables: cells that touch belong to one table."""
    groups: list[list[Box]] = []
    bounds: list[Box] = []
    for c in sorted(cells, key=lambda c: (-c[3], c[0])):
        for i, (l, b, r, t) in enumerate(bounds):
            if c[0] <= r + _TOL and c[2] >= l - _TOL and c[1] <= t + _TOL and c[3] >= b - _TOL:
                groups[i].append(c)
                bounds[i] = (min(l, c[0]), min(b, c[1]), max(r, c[2]), max(t, c[3]))
                break
        else:
            groups.append([c])
            bounds.append(c)
    return [g for g in groups if len(g) >= 2 and len({c[0] for c in g}) >= 2]


def _bounded(textpage: Any, box: Box) -> str:
    left, bottom, right, top = box
    text: str = textpage.get_text_bounded(left=left, bottom=bottom, right=right, top=top)
    return text


def _table_rows(textpage: Any, cells: list[Box]) -> list[str]:
    """Rows of one table, each cell under its column. A cell merged down from the row above
    leaves its column empty (its text stands in its first row); a cell merged across some
    columns is followed by empty ones; a cell across the whole table is a row of one cell."""
    columns = _snap([c[0] for c in cells])
    right_edge = max(c[2] for c in cells)
    rows: list[str] = []
    for top in sorted(_snap([c[3] for c in cells]), reverse=True):
        starts = {_near(c[0], columns): c for c in cells if abs(c[3] - top) <= _TOL}
        if not starts:
            continue
        first = min(starts)
        if len(starts) == 1 and first == columns[0] and starts[first][2] >= right_edge - _TOL:
            rows.append(_row_line([_bounded(textpage, starts[first])]))
            continue
        row: list[str] = []
        for x in columns:
            cell = starts.get(x)
            row.append(_bounded(textpage, cell) if cell is not None else "")
        rows.append(_row_line(row))
    return rows


def _with_tables(page: Any, textpage: Any) -> list[str] | None:
    """The page's lines with its ruled tables as rows, or None when it has no table."""
    tables = _tables(_cells(page))
    if not tables:
        return None
    width, height = page.get_size()
    lines: list[str] = []
    above = height
    for cells in sorted(tables, key=lambda g: -max(c[3] for c in g)):
        top, bottom = max(c[3] for c in cells), min(c[1] for c in cells)
        if above > top:
            lines += _lines(_bounded(textpage, (0, top, width, above)))
        lines += _table_rows(textpage, cells)
        above = min(above, bottom)
    if above > 0:
        lines += _lines(_bounded(textpage, (0, 0, width, above)))
    return lines


def _running(pages: list[list[str]]) -> set[str]:
    """Lines that head or foot most pages (a document title, a department name, a page count)."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        filled = [ln for ln in lines if ln]
        edge = {re.sub(r"\d+", "#", ln) for ln in filled[:_EDGE] + filled[-_EDGE:]}
        seen.update(edge)
    need = max(3, int(len(pages) * 0.4))
    return {k for k, n in seen.items() if n >= need and len(k) <= 60}


def read_pdf_pages(
    data: bytes, limits: Limits, on_page: PageProgress | None = None
) -> list[list[str]]:
    """Each page's lines, tables as rows, running headers/footers and page numbers removed.
    ``on_page(done, total)`` is called after each page (progress for long files)."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PdfUnreadable(str(exc)) from exc
    try:
        count = len(pdf)
        if count > limits.max_pages:
            raise DocumentTooLarge("max_pages", limits.max_pages, count)
        pages: list[list[str]] = []
        for n in range(count):
            page = pdf[n]
            textpage = page.get_textpage()
            lines = _lines(textpage.get_text_range())
            if _tabular(lines) and _ruled(page):
                lines = _with_tables(page, textpage) or lines
            textpage.close()
            page.close()
            pages.append(lines)
            if on_page is not None:
                on_page(n + 1, count)
    finally:
        pdf.close()
    running = _running(pages)
    out: list[list[str]] = []
    for lines in pages:
        filled = [i for i, ln in enumerate(lines) if ln]
        edges = set(filled[:_EDGE] + filled[-_EDGE:])
        kept = [
            ln
            for i, ln in enumerate(lines)
            if not (i in edges and (_PAGE_NO.match(ln) or re.sub(r"\d+", "#", ln) in running))
        ]
        out.append(kept)
    return out
