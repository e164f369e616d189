"""A plan's indicator table as .xlsx, laid out like the plan's own 主要指标表."""

from __future__ import annotations

from decimal import Decimal

from dudao_shared.xlsx import CellValue, Column, Row, write_table

from .schemas import Scorecard

NATURE_ZH = {"expected": "预期性", "binding": "约束性", "advocated": "倡导性"}
COLUMNS = [
    Column("领域", 12, "center"),
    Column("序号", 6, "center"),
    Column("指标", 40),
    Column("计量单位", 10, "center"),
    Column("基期值", 10, "center"),
    Column("目标值", 18, "center"),
    Column("性质", 8, "center"),
    Column("最新值", 10, "center"),
    Column("统计期", 9, "center"),
    Column("评估状态", 12, "center"),
    Column("评估说明", 60),
]
STATUS_COLUMN = 9
FILLS = {
    "achieved": "C6EFCE",
    "on_track": "C6EFCE",
    "moderately_off_track": "FFEB9C",
    "off_track": "FFC7CE",
    "regressing": "FFC7CE",
    "not_achieved": "FFC7CE",
}


def _num(v: Decimal | None) -> CellValue:
    # The printed tables write "—" where there is no value.
    return "—" if v is None else Decimal(v)


def indicator_table_xlsx(card: Scorecard, *, title: str | None = None) -> bytes:
    rows = []
    for row in card.rows:
        fill = FILLS.get(row.status)
        rows.append(
            Row(
                [
                    row.domain or "",
                    row.seq or "",
                    row.name if row.parent_id is None else f"其中：{row.name}",
                    row.measure_unit or "",
                    _num(row.baseline_value),
                    row.target_text or _num(row.target_value),
                    NATURE_ZH.get(row.nature, row.nature),
                    _num(row.latest_value),
                    row.latest_period or "—",
                    row.status_zh,
                    "；".join(row.reasons),
                ],
                fills={STATUS_COLUMN: fill} if fill else {},
            )
        )
    return write_table(
        sheet="主要指标",
        columns=COLUMNS,
        rows=rows,
        title=title or f"主要指标（区划 {card.region_code}）",
        merge_runs=[0],
    )
