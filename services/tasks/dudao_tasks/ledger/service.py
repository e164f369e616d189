"""The 台账: a plan's tasks as an .xlsx a county office can print on A4 landscape."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from ..lights.service import TaskRow, plan_tasks
from ..models import Plan

HEADERS = (
    "序号",
    "编号",
    "任务",
    "牵头单位",
    "配合单位",
    "完成时限",
    "状态",
    "最新进展",
    "完成进度",
    "亮灯",
)
# Widths (characters) summing to what fits an A4 landscape page with narrow margins.
WIDTHS = (5, 10, 30, 14, 20, 12, 9, 34, 8, 6)
STATUS_ZH = {
    "not_started": "未启动",
    "in_progress": "推进中",
    "completed": "已完成（待审核）",
    "returned": "已退回",
    "accepted": "已完成（审核通过）",
}
LIGHT_ZH = {"green": "绿", "yellow": "黄", "red": "红"}
LIGHT_FILL = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}


def build_ledger(plan: Plan, rows: list[TaskRow]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "台账"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append(list(HEADERS))
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        cell = ws.cell(row=1, column=col)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.border = border
    for n, row in enumerate(rows, start=1):
        report = row.latest_report
        progress = f"{report.reported_on.isoformat()}：{report.text}" if report else ""
        percent = row.percent
        ws.append(
            [
                n,
                row.item.code,
                row.item.title,
                "、".join(row.leads),
                "、".join(row.cos),
                "\n".join(
                    d.due_on.isoformat() + (f"（{d.text}）" if d.text else "")
                    for d in row.deadlines
                ),
                STATUS_ZH.get(row.item.status, row.item.status),
                progress[:2000],
                f"{percent.normalize():f}%" if percent is not None else "",
                LIGHT_ZH[row.state.light],
            ]
        )
        r = ws.max_row
        for col in range(1, len(HEADERS) + 1):
            cell = ws.cell(row=r, column=col)
            cell.alignment = wrap
            cell.border = border
        light_cell = ws.cell(row=r, column=len(HEADERS))
        light_cell.fill = PatternFill("solid", fgColor=LIGHT_FILL[row.state.light])
        light_cell.alignment = Alignment(horizontal="center", vertical="top")
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddHeader.center.text = plan.title[:200]
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def plan_ledger(session: AsyncSession, *, plan: Plan, today: dt.date) -> bytes:
    """The ledger of every task of ``plan`` with its light as of ``today``."""
    return build_ledger(plan, await plan_tasks(session, plan, today))
