"""Each rule the development set taught, shown on its real text (dev/INDEX.md, dev/NOTES.md)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from _seeds import DEV
from score_import import score

from dudao_importer import parse_file
from dudao_shared.parsed_plan import ParsedPlan

NAMES = {p.name.split("_")[0]: p.stem for p in DEV.glob("*.txt")}


def dev(number: str) -> ParsedPlan:
    return parse_file(DEV / f"{NAMES[number]}.txt")


def tops(plan: ParsedPlan) -> set[str]:
    return {i.code.split(".")[0] for i in plan.items}


def targets(plan: ParsedPlan) -> set[tuple[str | None, float, str]]:
    return {(t.item, t.value, t.comparator) for t in plan.targets}


def test_parts_before_the_named_task_part_hold_no_tasks() -> None:
    # 01: 二、重点发展产品 reads like actions but comes before 三、重点任务.
    assert tops(dev("01")) == {"三"}
    # 05: 三、工作内容 only; 一、总体原则 and 二、组织架构 before it, 六、其它管理要求 after it.
    assert tops(dev("05")) == {"三"}
    # 06: 三、具体措施 and the part after it; not 二 (scope), 五、组织形式 or 六、工作安排.
    assert tops(dev("06")) == {"三", "四"}
    # 02 names no task part: every thematic part holds tasks.
    assert tops(dev("02")) == {"一", "二", "三", "四", "五", "六", "七"}


def test_full_width_stop_after_a_number_is_a_label() -> None:
    items = {i.code: i for i in dev("04").items}
    assert items["二.(四)"].kind == "section"
    assert items["二.(四).1"].title == "加强上下联动"
    assert {"二.(四).2", "二.(四).3"} <= set(items)


def test_notice_metadata_in_brackets_and_on_the_signature_line() -> None:
    doc = dev("04").document
    # The collector's "# source:" line is not taken for the title.
    assert doc.title == "关于加强首诊和转诊服务提升医疗服务连续性的通知"
    assert doc.doc_number == "国卫办医政发〔2024〕21号"  # printed in brackets under the title
    # Three issuers and the date on one line: the first issuer and the date.
    assert (doc.issuer, doc.issued_on) == ("国家卫生健康委办公厅", dt.date(2024, 10, 28))
    # Goals 到2025年底 / 到2027年 / 到2030年: the vision year is not the end.
    assert (doc.period.start, doc.period.end) == (2024, 2027)


def test_title_over_two_lines_and_no_period_without_an_end() -> None:
    assert dev("05").document.title == "顺德区镇街蚊媒传染病流调指挥分中心规范化、标准化建设指引"
    for number in ("02", "06"):
        period = dev(number).document.period
        assert (period.start, period.end) == (None, None), number


def test_targets_the_dev_set_shows() -> None:
    shanghai = targets(dev("01"))
    assert (None, 500, ">=") in shanghai  # 超500件
    assert ("三.(二).4", 3, "<=") in shanghai  # 压缩至3周以内
    assert not [t for t in shanghai if t[1] == 30]  # 目录更新后30天内: a window, not a target
    shunde = targets(dev("05"))
    # Printed signs inside a bracket count; 1天内 / 2天内 do not.
    assert shunde == {("三.(三)", 2, "<="), ("三.(三)", 5, "<"), ("三.(三)", 2, "<")}
    # 选择北京、…、西安11个城市 counts what it lists.
    assert not [t for t in targets(dev("06")) if t[1] == 11]


@pytest.mark.parametrize("original", sorted(p.name for p in DEV.glob("*.source.*")))
def test_originals_score_like_their_text(original: str, tmp_path: Path) -> None:
    stem = original.split(".source.")[0]
    gold = tmp_path / "gold"
    gold.mkdir()
    shutil.copy(DEV / "gold" / f"{stem}.json", gold)
    figures = {}
    for kind, path in (("text", DEV / f"{stem}.txt"), ("original", DEV / original)):
        out = tmp_path / kind
        out.mkdir()
        (out / f"{stem}.json").write_text(parse_file(path).to_json(), encoding="utf-8")
        figures[kind] = score(gold, out)["overall"]
    assert figures["original"] >= figures["text"] - 0.02, figures


def test_rows_joined_by_bars_without_outer_bars_are_a_table() -> None:
    from dudao_importer.tables import find_tables
    from dudao_importer.text import normalise

    text = normalise((DEV / f"{NAMES['03']}.txt").read_text(encoding="utf-8"))
    tables = find_tables(text.split("\n"))
    heads = [t.rows[0][:3] for t in tables]
    assert ["一级指标", "二级指标", "三级指标"] in heads
    metrics = next(t for t in tables if t.rows[0][0] == "一级指标")
    assert len(metrics.rows) > 50
    # An evaluation metric list (定量/定性, no baseline or target) is not a plan's indicator table.
    assert dev("03").indicators == []
