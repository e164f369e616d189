"""The one .xlsx table writer: a title, a header row, rows, widths, fills, print setup.

Stored text may hold characters a worksheet can't (a report with ``\\x1b``, a name with
``\\x07``); openpyxl refuses those with an exception, so every string is cleaned here and no
stored value can turn an export into a 500.
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


def clean(value: CellValue) -> str | int | float | dt.date | dt.datetime | None:
    """A value a worksheet accepts: no control characters, decimals as plain numbers."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, Decimal):
        return to_json_number(value)
    return value


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
    return write_tables([Table(sheet, columns, rows, title, merge_runs, page_header, landscape)])


def write_tables(tables: Sequence[Table]) -> bytes:
    """Several worksheets in one workbook (a bulletin's summary, ranking and red list), each
    laid out as ``write_table`` lays out its one."""
    wb = Workbook()
    first_sheet = wb.active
    assert first_sheet is not None
    wb.remove(first_sheet)
    for table in tables:
        _fill(wb, table)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fill(wb: Workbook, table: Table) -> None:
    sheet, columns, rows, title = table.sheet, table.columns, table.rows, table.title
    merge_runs, page_header, landscape = table.merge_runs, table.page_header, table.landscape
    ws = wb.create_sheet(str(clean(sheet) or "Sheet"))
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_row = 1
    if title:
        ws.append([clean(title)])
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
    for raw in rows:
        row = raw if isinstance(raw, Row) else Row(raw)
        ws.append([clean(v) for v in row.values])
        r = ws.max_row
        for col, spec in enumerate(columns, start=1):
            cell = ws.cell(r, col)
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal=spec.align, vertical="top", wrap_text=True)
        for index, colour in row.fills.items():
            ws.cell(r, index + 1).fill = PatternFill("solid", fgColor=colour)
    for index in merge_runs:
        _merge_runs(ws, index + 1, first)
    ws.freeze_panes = f"A{first}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    header, footer = ws.oddHeader, ws.oddFooter
    if page_header and header is not None:
        header.center.text = str(clean(page_header))[:200]
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
