"""Real PDF plans (real/SOURCE.md): text as a person reads it, tables as rows, fast."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from dudao_importer import parse_file
from dudao_shared.parsed_plan import ParsedPlan

REAL = Path(__file__).resolve().parent / "real"


@pytest.fixture(scope="module")
def action() -> ParsedPlan:
    return parse_file(REAL / "healthy-china-action-2019-2030.pdf")


def test_indicator_table_across_pages_with_milestones_and_own_baseline_years(
    action: ParsedPlan,
) -> None:
    rows = {i.name: i for i in action.indicators}
    anaemia = rows["孕妇贫血率"]
    assert (anaemia.seq, anaemia.unit, anaemia.nature) == ("11", "%", "预期性")
    assert (anaemia.baseline.year, anaemia.baseline.value) == (2013, 17.2)
    assert (anaemia.target.year, anaemia.target.comparator, anaemia.target.value) == (2030, "<", 10)
    assert [(m.year, m.comparator, m.value) for m in anaemia.milestones] == [(2022, "<", 14)]
    # The domain cell is merged down over its rows.
    assert anaemia.domain == "（二）合理膳食行动"
    assert rows["居民健康素养水平"].domain == "（一）健康知识普及行动"
    # A third nature, and 说明 / 计算方法 rows are notes, not indicators.
    assert rows["人均每日食盐摄入量"].nature == "倡导性"
    assert not [n for n in rows if re.match(r"说明|计算方法", n)]


def test_contents_page_numbers_and_restarted_numbering(action: ParsedPlan) -> None:
    # The table of contents (dot leaders, page numbers) gives no items.
    assert not [i for i in action.items if re.search(r"[.…]{3,}", i.title)]
    assert not [ln for ln in action.text.split("\n") if re.fullmatch(r"[-—–]\s*\d+\s*[-—–]", ln)]
    # Each action lists 个人和家庭 1.–7., then 社会 1.–7. and so on: never a repeated code.
    codes = Counter(i.code for i in action.items)
    assert not [c for c, n in codes.items() if n > 1]
    first = [i.title for i in action.items if i.code.startswith("三.(一).1")]
    assert first[0] == "正确认识健康" and len(first) >= 2


def test_notice_pdf_metadata_and_tasks() -> None:
    plan = parse_file(REAL / "state-council-healthy-china-action-opinion.pdf")
    doc = plan.document
    assert (doc.title, doc.doc_number, doc.issuer) == ("国务院关于实施健康中国行动的意见", "国发〔2019〕13号", "国务院")
    assert doc.issued_on == dt.date(2019, 6, 24)
    tasks = {i.code: i.title for i in plan.items if i.kind == "task"}
    assert tasks["三.(一).1"] == "实施健康知识普及行动"
    assert tasks["三.(三).15"] == "实施传染病及地方病防控行动"


def test_local_plan_pdf_structure() -> None:
    plan = parse_file(REAL / "foshan-dengue-consolidation-plan-2024.pdf")
    assert plan.document.title == "佛山市登革热疫情防控巩固工作方案"
    codes = [i.code for i in plan.items]
    assert len(codes) == len(set(codes))
    assert {"三.(二).2.(1)", "三.(三).1", "三.(六)"} <= set(codes)
