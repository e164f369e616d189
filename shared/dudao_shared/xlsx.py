"""The one .xlsx table writer: a title, a header row, rows, widths, fills, print setup.

Stored text may hold characters a worksheet can't (a report with ``\\x1b``, a name with
``\\x07``); openpyxl refuses those with an exception, so every string is cleaned here and no
stored value can turn an export into a 500.

Text is stored as sent; exports write it safely. A text cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is what a spreadsheet takes for a formula (OWASP "CSV
injection": ``=HYPERLINK(...)`` in a report becomes a live link in the ledger), so such a cell
is written as a string with Excel's quote prefix (shown as typed, never evaluated). CSV has no
cell types: :func:`safe_cell` prefixes an apostrophe there. Every export writer (xlsx, CSV,
PDF) goes through :func:`safe_text`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .decimals import to_json_number

CellValue = str | int | float | Decimal | dt.date | dt.datetime | None

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width: float
    align: Literal["left", "center"] = "left"


@dataclass(slots=True)
class Row:
    values: Sequence[CellValue]
    # Background colours by column index (0-based), e.g. a light's red/yellow/green.
    fills: Mapping[int, str] = field(default_factory=dict)


# What spreadsheets read as the start of a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Text any export may write: control characters a sheet (or a terminal) would act on are
    removed; tab, newline and carriage return stay (they are text)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def safe_cell(value: CellValue) -> str:
    """A CSV field: :func:`safe_text`, and an apostrophe before formula-like text so no
    spreadsheet evaluates it."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(to_json_number(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if not isinstance(value, str):
        return str(value)
    text = safe_text(value)
    return "'" + text if is_formula_like(text) else text


def clean(value: CellValue) -> str | int | float | dt.date | dt.datetime | None:
    """A value a worksheet accepts: no control characters, decimals as plain numbers."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, Decimal):
        return to_json_number(value)
    return value


def _put_text_cells(ws: Any, row: int, values: Sequence[CellValue]) -> None:
    """Formula-like text as literal strings with Excel's quote prefix: openpyxl would otherwise
    store ``=…`` as a formula."""
    for index, value in enumerate(values, start=1):
        if isinstance(value, str) and is_formula_like(value):
            cell = ws.cell(row, index)
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True


@dataclass(slots=True)
class Table:
    """One worksheet of a workbook: what ``write_table`` takes, as a value."""

    sheet: str
    columns: Sequence[Column]
    rows: Iterable[Row | Sequence[CellValue]]
    title: str | None = None
    merge_runs: Sequence[int] = ()
    page_header: str | None = None
    landscape: bool = True


def write_table(
    *,
    sheet: str,
    columns: Sequence[Column],
    rows: Iterable[Row | Sequence[CellValue]],
    title: str | None = None,
    merge_runs: Sequence[int] = (),
    page_header: str | None = None,
    landscape: bool = True,
) -> bytes:
    """One worksheet laid out for printing on A4, returned as .xlsx bytes.

    ``merge_runs`` names columns (0-based) whose runs of equal values are merged, as printed
    tables do with a 领域 column.
    """
    return write_workbook([Table(sheet, columns, rows, title, merge_runs, page_header, landscape)])


def write_workbook(tables: Sequence[Table]) -> bytes:
    """Several tables, a worksheet each, in the order given, as one .xlsx."""
    wb = Workbook()
    first_sheet = wb.active
    assert first_sheet is not None
    for n, table in enumerate(tables):
        ws = first_sheet if n == 0 else wb.create_sheet()
        _fill(ws, table)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fill(ws: Any, t: Table) -> None:
    columns = t.columns
    # A sheet name is at most 31 characters and unique in its workbook.
    ws.title = (clean(t.sheet) or "Sheet")[:31]  # type: ignore[index]
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_row = 1
    if t.title:
        ws.append([clean(t.title)])
        _put_text_cells(ws, 1, [clean(t.title)])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        ws.cell(1, 1).font = Font(bold=True, size=14)
        ws.cell(1, 1).alignment = center
        header_row = 2
    ws.append([c.header for c in columns])
    for col, spec in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(col)].width = spec.width
        cell = ws.cell(header_row, col)
        cell.font = Font(bold=True)
        cell.alignment = center
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
    first = header_row + 1
    for raw in t.rows:
        row = raw if isinstance(raw, Row) else Row(raw)
        values = [clean(v) for v in row.values]
        ws.append(values)
        r = ws.max_row
        _put_text_cells(ws, r, values)
        for col, spec in enumerate(columns, start=1):
            cell = ws.cell(r, col)
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal=spec.align, vertical="top", wrap_text=True)
        for index, colour in row.fills.items():
            ws.cell(r, index + 1).fill = PatternFill("solid", fgColor=colour)
    for index in t.merge_runs:
        _merge_runs(ws, index + 1, first)
    ws.freeze_panes = f"A{first}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape" if t.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    header, footer = ws.oddHeader, ws.oddFooter
    if t.page_header and header is not None:
        header.center.text = str(clean(t.page_header))[:200]
    if footer is not None:
        footer.center.text = "第 &P 页，共 &N 页"


def _merge_runs(ws: Any, col: int, first: int) -> None:
    start = first
    last = ws.max_row
    for r in range(first + 1, last + 2):
        current = ws.cell(r, col).value if r <= last else object()
        if current != ws.cell(r - 1, col).value:
            if r - 1 > start:
                ws.merge_cells(start_row=start, start_column=col, end_row=r - 1, end_column=col)
            start = r
