"""The 台账: a plan's tasks as an .xlsx a county office can print on A4 landscape."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.decimals import plain
from dudao_shared.xlsx import Column, Row, write_table

from ..lights.service import TaskRow, plan_tasks
from ..models import Plan

# Widths (characters) summing to what fits an A4 landscape page with narrow margins.
COLUMNS = (
    Column("序号", 5, "center"),
    Column("编号", 10),
    Column("任务", 30),
    Column("牵头单位", 14),
    Column("配合单位", 20),
    Column("完成时限", 12),
    Column("状态", 9),
    Column("最新进展", 34),
    Column("完成进度", 8),
    Column("亮灯", 6, "center"),
)
STATUS_ZH = {
    "not_started": "未启动",
    "in_progress": "推进中",
    "completed": "已完成（待审核）",
    "returned": "已退回",
    "accepted": "已完成（审核通过）",
}
LIGHT_ZH = {"green": "绿", "yellow": "黄", "red": "红"}
LIGHT_FILL = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}


def _row(n: int, row: TaskRow) -> Row:
    report = row.latest_report
    progress = f"{report.reported_on.isoformat()}：{report.text}" if report else ""
    percent = row.percent
    deadlines = "\n".join(
        d.due_on.isoformat() + (f"（{d.text}）" if d.text else "") for d in row.deadlines
    )
    return Row(
        [
            n,
            row.item.code,
            row.item.title,
            "、".join(row.leads),
            "、".join(row.cos),
            deadlines,
            STATUS_ZH.get(row.item.status, row.item.status),
            progress[:2000],
            f"{plain(percent)}%" if percent is not None else "",
            LIGHT_ZH[row.state.light],
        ],
        fills={len(COLUMNS) - 1: LIGHT_FILL[row.state.light]},
    )


def build_ledger(plan: Plan, rows: list[TaskRow]) -> bytes:
    return write_table(
        sheet="台账",
        columns=COLUMNS,
        rows=[_row(n, row) for n, row in enumerate(rows, start=1)],
        page_header=plan.title,
    )


async def plan_ledger(session: AsyncSession, *, plan: Plan, today: dt.date) -> bytes:
    """The ledger of every task of ``plan`` with its light as of ``today``."""
    return build_ledger(plan, await plan_tasks(session, plan, today))
