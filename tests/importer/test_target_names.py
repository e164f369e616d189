"""The names of in-text targets, on the seed and development plans' real text.

The indicator service makes an indicator of a target only when its name is an indicator's
(``dudao_shared.indicator_names``), so a target named by the wrong words is either a junk
indicator (``全市``) or a lost one (``病床使用率保持在90%以上、平均住院日``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _seeds import DEV, SEED_GOLD, SEEDS

from dudao_importer import parse_file
from dudao_shared.indicator_names import indicator_key, names_indicator
from dudao_shared.parsed_plan import ParsedPlan

YICHUN = "002_dfb8ccd5e9df308d"  # 宜春市“十四五”卫生健康发展规划: 24 table rows, 47 targets


def seed(stem: str) -> ParsedPlan:
    return parse_file(SEEDS / f"{stem}.txt")


def named(plan: ParsedPlan) -> dict[str, list[tuple[float, str | None]]]:
    out: dict[str, list[tuple[float, str | None]]] = {}
    for t in plan.targets:
        out.setdefault(t.name, []).append((t.value, t.unit))
    return out


def test_each_value_of_a_list_is_named_by_its_own_words() -> None:
    # 000: 病床使用率保持在90%以上、平均住院日控制在8天以内
    assert named(seed("000_d775692da490137b"))["平均住院日"] == [(8, "天")]
    # 001: 5岁以下儿童死亡率控制在6‰以下、婴儿死亡率控制在5‰以下
    names = named(seed("001_1d96ae928440d7e2"))
    assert names["婴儿死亡率"] == [(5, "‰")]
    assert names["5岁以下儿童死亡率"] == [(6, "‰")]
    # 001: 2023年、2024年、2025年开展新项目、新技术分别达到3个以上、5个以上、7个以上
    assert names["开展新项目、新技术"] == [(3, "个"), (5, "个"), (7, "个")]


def test_a_bare_subject_takes_the_measure_it_shares_with_the_one_before() -> None:
    # 004: 省级医院四级手术占比力争达到35%左右、市级医院达到30%左右、县级医院达到15%左右
    names = named(seed("004_2fc4be0b54cb1cd8"))
    assert names["省级医院四级手术占比"] == [(35, "%")]
    assert names["市级医院四级手术占比"] == [(30, "%")]
    assert names["县级医院四级手术占比"] == [(15, "%")]
    assert names["市级和县级医院病例组合指数（CMI）值"] == [(1.1, None)]


def test_shares_are_named_as_shares() -> None:
    names = named(seed(YICHUN))
    # 社会办医疗机构诊疗量力争达到本地区医疗机构诊疗总量的20%左右
    assert names["社会办医疗机构诊疗量占本地区医疗机构诊疗总量的比例"] == [(20, "%")]
    # 全市90%以上的综合性医院、康复医院、护理院和基层医疗卫生机构成为老年友善医疗卫生机构
    assert names[
        "综合性医院、康复医院、护理院和基层医疗卫生机构成为老年友善医疗卫生机构的比例"
    ] == [(90, "%")]
    # 001: 实现100%的乡(镇)卫生院和80%的村卫生室提供中医药服务
    names = named(seed("001_1d96ae928440d7e2"))
    assert names["乡(镇)卫生院提供中医药服务的比例"] == [(100, "%")]
    assert names["村卫生室提供中医药服务的比例"] == [(80, "%")]


def test_opening_words_of_the_clause_are_not_the_name() -> None:
    # dev 01: 力争将伦理审查总体流程时间压缩至3周以内
    plan = parse_file(DEV / "01_shanghai-medical-device-action-plan.txt")
    names = named(plan)
    assert names["伦理审查总体流程时间"] == [(3, "周")]
    assert names["第二类医疗器械审评平均时限"] == [(40, "个工作日")]


@pytest.mark.parametrize("stem", sorted(p.stem for p in SEEDS.glob("*.txt")))
def test_no_target_goes_unnamed(stem: str) -> None:
    # 001 named four 全科医生转岗培训 targets with an empty string.
    assert all(len(t.name) >= 2 for t in seed(stem).targets)


def test_the_issue_fragments_never_name_an_indicator() -> None:
    names = {t.name for t in seed(YICHUN).targets}
    for fragment in ("全市", "确保把", "具有指导功能", "政府举办", "各县（市、区）至少"):
        assert not names_indicator(fragment)
    # What the importer names the targets of 宜春 that measure something is an indicator's name.
    for name in (
        "国家卫生城市创建比例",
        "基层医疗卫生机构护理床位占比",
        "120电话开通率",
        "县级以上医疗卫生机构开展继续医学教育覆盖率",
    ):
        assert name in names and names_indicator(name)
    # Counts of things built are targets of their tasks, not indicators.
    for name in ("老年医院", "职业健康检查机构", "暖心家园", "市级综合区域医疗中心"):
        assert name in names and not names_indicator(name)


def test_a_mention_of_a_table_row_has_the_rows_key() -> None:
    table = {
        indicator_key(r["name"]): r["name"]
        for r in json.loads((SEED_GOLD / f"{YICHUN}.json").read_text(encoding="utf-8"))[
            "indicators"
        ]
    }
    plan = seed(YICHUN)
    mentions = {t.name for t in plan.targets if indicator_key(t.name) in table}
    assert mentions == {"全市居民健康素养水平", "全市二级及以上综合医院设立老年医学科的比例"}


def test_gold_rates_name_indicators() -> None:
    """Every rate among the hand-made gold targets (a value in % or ‰ or per population) whose
    name is a noun of measure is an indicator by the rule; counts of facilities are not."""
    golds = sorted(SEED_GOLD.glob("*.json")) + sorted((DEV / "gold").glob("*.json"))
    rates, counts = [], []
    for g in golds:
        for t in json.loads(Path(g).read_text(encoding="utf-8"))["targets"]:
            unit = t.get("unit") or ""
            if unit in ("%", "‰") and t["name"].endswith(("率", "比例", "占比", "比重")):
                rates.append(t["name"])
            elif unit in ("所", "家") and not t["name"].endswith(("数", "数量")):
                counts.append(t["name"])
    assert len(rates) > 30 and len(counts) > 15
    assert [n for n in rates if not names_indicator(n)] == []
    assert [n for n in counts if names_indicator(n)] == []
