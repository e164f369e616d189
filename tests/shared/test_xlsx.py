"""The one table writer: layout a printer needs, and stored control characters never break it."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from dudao_shared.xlsx import Column, Row, write_table


def test_table_with_title_merges_and_fills() -> None:
    data = write_table(
        sheet="主要指标",
        title="某市主要指标",
        columns=[Column("领域", 10), Column("指标", 30), Column("目标值", 10, "center")],
        rows=[
            Row(["健康水平", "人均预期寿命", Decimal("79.0000")], fills={2: "C6EFCE"}),
            ["健康水平", "孕产妇死亡率\x1b\x07", Decimal("9.5")],
            ["医疗服务", "床位数", None],
        ],
        merge_runs=[0],
        page_header="某市规划",
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws["A1"].value == "某市主要指标"
    assert [c.value for c in ws[2]] == ["领域", "指标", "目标值"]
    assert ws["C3"].value == 79 and ws["C4"].value == 9.5
    assert ws["B4"].value == "孕产妇死亡率"
    assert "A3:A4" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["C3"].fill.fgColor.rgb.endswith("C6EFCE")
    assert ws.freeze_panes == "A3"


def test_table_without_title_starts_with_headers() -> None:
    ws = load_workbook(
        io.BytesIO(write_table(sheet="台账", columns=[Column("任务", 20)], rows=[["\x00甲"]]))
    ).active
    assert ws is not None
    assert ws["A1"].value == "任务" and ws["A2"].value == "甲"


def test_formula_like_text_is_never_a_formula() -> None:
    from dudao_shared.xlsx import safe_cell

    texts = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://e/","x")']
    data = write_table(sheet="s", columns=[Column("文本", 20)], rows=[[t] for t in texts])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    cells = [ws.cell(r, 1) for r in range(2, 2 + len(texts))]
    assert [c.value for c in cells] == texts
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    # CSV has no cell types: an apostrophe keeps the text from being evaluated.
    assert [safe_cell(t) for t in texts] == ["'" + t for t in texts]
    assert safe_cell("普通文本\u0007") == "普通文本"
    assert safe_cell(Decimal("95.0000")) == "95" and safe_cell(None) == ""
