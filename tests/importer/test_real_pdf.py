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
    assert (doc.title, doc.doc_number, doc.issuer) == (
        "国务院关于实施健康中国行动的意见",
        "国发〔2019〕13号",
        "国务院",
    )
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


def test_values_paired_with_years_and_background_figures_left_out(action: ParsedPlan) -> None:
    found = {(t.value, t.year, t.comparator, t.unit) for t in action.targets}
    # 到2022年和2030年，15岁以上人群吸烟率分别低于24.5%和20%
    assert {(24.5, 2022, "<=", "%"), (20, 2030, "<=", "%")} <= found
    # …分别提高到30%、18%、20%及以上和45%、25%、30%及以上: one block per year.
    assert {(18, 2022, ">=", "%"), (45, 2030, ">=", "%"), (25, 2030, ">=", "%")} <= found
    # 2012年全国…超重率为30.1%; 我国…高血压患病率为25.2%; 慢阻肺患病率为13.6%: the state of
    # things, not targets.
    assert not {v for v, *_ in found} & {30.1, 25.2, 13.6}


def test_national_outline_with_parts_chapters_and_sections() -> None:
    plan = parse_file(REAL / "healthy-china-2030-outline.pdf")
    doc = plan.document
    # 中共中央国务院印发《“健康中国2030”规划 / 纲要》 and (2016年10月25日中共中央、国务院发布).
    assert doc.title == "“健康中国2030”规划纲要"
    assert (doc.issuer, doc.issued_on) == ("中共中央", dt.date(2016, 10, 25))
    # Named for the year it runs to; 到2050年 is the vision, not the end.
    assert (doc.period.start, doc.period.end) == (2016, 2030)
    # The running header of every page is gone; the contents (no dot leaders) give no items.
    assert "国务院办公厅发布" not in plan.text
    codes = [i.code for i in plan.items]
    assert len(codes) == len(set(codes))
    # 篇/章/节: 第一篇 总体战略 and 第八篇 强化组织实施 hold no tasks.
    assert not [c for c in codes if c.startswith(("第一篇", "第八篇"))]
    items = {i.code: i for i in plan.items}
    assert items["第二篇.第四章.第一节"].title == "提高全民健康素养"
    assert items["第二篇.第四章.第一节"].kind == "task"
    assert items["第二篇"].kind == "section"


def test_indicator_records_written_out_as_text() -> None:
    # 领域：健康水平指标：人均预期寿命(岁) 2015年：76.342020年：77.3 2030年：79.0 — a table
    # flattened into records, lines glued and broken at random.
    plan = parse_file(REAL / "healthy-china-2030-outline.pdf")
    rows = {i.name: i for i in plan.indicators}
    assert len(rows) == 13
    life = rows["人均预期寿命"]
    assert (life.domain, life.unit, life.baseline.year, life.baseline.value) == (
        "健康水平",
        "岁",
        2015,
        76.34,
    )
    assert (life.target.year, life.target.value) == (2030, 79.0)
    assert [(m.year, m.value) for m in life.milestones] == [(2020, 77.3)]
    # 89.6(2014年): the baseline's own year; a name broken over two lines is whole.
    fitness = rows["城乡居民达到《国民体质测定标准》合格以上的人数比例"]
    assert (fitness.baseline.year, fitness.baseline.value) == (2014, 89.6)
    assert rows["个人卫生支出占卫生总费用的比重"].target.comparator == "~"
    assert rows["重大慢性病过早死亡率"].target.kind == "relative"
    assert rows["健康服务业总规模"].unit == "万亿元"


@pytest.mark.parametrize(
    ("name", "title", "issuer"),
    [
        # …关于进一步规范 / 登革热病例监测报告和应急处置工作的通知: 规范 ends a line, not the title.
        (
            "foshan-cdc-dengue-reporting-notice-2025.pdf",
            "佛山市疾病预防控制中心关于进一步规范登革热病例监测报告和应急处置工作的通知",
            "佛山市疾病预防控制中心",
        ),
        # Two issuers of one district printed as one run above the title: the first issues it.
        (
            "shunde-school-dengue-notice-2024.pdf",
            "佛山市顺德区卫生健康局佛山市顺德区教育局关于进一步做好学校托幼机构登革热防控工作的通知",
            "佛山市顺德区卫生健康局",
        ),
        # The issuer broken over the line end (…办公室环境 / 整治组关于…).
        (
            "foshan-mosquito-hotline-notice-2025.pdf",
            "佛山市蚊媒传染病疫情防控指挥部办公室环境整治组关于建立12345热线涉及蚊媒孳生地环境整治"
            "工单办理工作机制的通知",
            "佛山市蚊媒传染病疫情防控指挥部办公室环境整治组",
        ),
    ],
)
def test_notice_titles_and_issuers_over_line_ends(name: str, title: str, issuer: str) -> None:
    doc = parse_file(REAL / name).document
    assert (doc.title, doc.issuer) == (title, issuer)
