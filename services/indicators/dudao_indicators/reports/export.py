"""A plan's indicator table as .xlsx, laid out like the plan's own 主要指标表."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from .schemas import Scorecard

NATURE_ZH = {"expected": "预期性", "binding": "约束性", "advocated": "倡导性"}
HEADERS = [
    "领域",
    "序号",
    "指标",
    "计量单位",
    "基期值",
    "目标值",
    "性质",
    "最新值",
    "统计期",
    "评估状态",
    "评估说明",
]
WIDTHS = [12, 6, 40, 10, 10, 18, 8, 10, 9, 12, 60]
FILLS = {
    "achieved": "C6EFCE",
    "on_track": "C6EFCE",
    "moderately_off_track": "FFEB9C",
    "off_track": "FFC7CE",
    "regressing": "FFC7CE",
    "not_achieved": "FFC7CE",
}


def _num(v: Decimal | None) -> float | int | str:
    if v is None:
        return "—"
    d = Decimal(v)
    return int(d) if d == d.to_integral_value() else float(d)


def indicator_table_xlsx(card: Scorecard, *, title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "主要指标"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.append([title or f"主要指标（区划 {card.region_code}）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = center
    ws.append(HEADERS)
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[chr(64 + col)].width = width
        cell = ws.cell(2, col)
        cell.font = Font(bold=True)
        cell.alignment = center
        cell.border = border
    first = 3
    for row in card.rows:
        name = row.name if row.parent_id is None else f"其中：{row.name}"
        ws.append(
            [
                row.domain or "",
                row.seq or "",
                name,
                row.measure_unit or "",
                _num(row.baseline_value),
                row.target_text
                or (_num(row.target_value) if row.target_value is not None else "—"),
                NATURE_ZH.get(row.nature, row.nature),
                _num(row.latest_value),
                row.latest_period or "—",
                row.status_zh,
                "；".join(row.reasons),
            ]
        )
        r = ws.max_row
        for col in range(1, len(HEADERS) + 1):
            cell = ws.cell(r, col)
            cell.border = border
            cell.alignment = Alignment(
                vertical="center", wrap_text=True, horizontal="left" if col in (3, 11) else "center"
            )
        fill = FILLS.get(row.status)
        if fill:
            ws.cell(r, 10).fill = PatternFill("solid", fgColor=fill)
    # Merge each run of one domain, as the printed table does.
    start = first
    for r in range(first + 1, ws.max_row + 2):
        prev = ws.cell(r - 1, 1).value
        cur = ws.cell(r, 1).value if r <= ws.max_row else object()
        if cur != prev:
            if r - 1 > start:
                ws.merge_cells(start_row=start, start_column=1, end_row=r - 1, end_column=1)
            start = r
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
