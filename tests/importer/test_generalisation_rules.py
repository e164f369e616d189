"""Rules added for plans unlike the seeds (see unseen/): each one in isolation."""

from __future__ import annotations

from typing import Any

import pytest
from _seeds import json_of

from dudao_importer import parse_text
from dudao_importer.dates import deadlines
from dudao_importer.document import plan_period
from dudao_importer.text import normalise
from dudao_importer.units import parse_units


def tasks(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for i in out["items"] if i["kind"] == "task"}


def test_labelled_unit_line_after_task() -> None:
    text = "\n".join(
        [
            "某县2024年卫生健康重点工作任务",
            "一、深化改革",
            "1．推进医共体建设。6月底前完成总院法人治理结构调整；年底前统一药品目录。",
            "牵头单位：县卫生健康局、县医保局；配合单位：县财政局",
            "2．加强人才培养。全年招录定向医学生20名。",
            "责任单位：县卫生健康局",
        ]
    )
    ts = tasks(json_of(parse_text(text)))
    assert ts["一.1"]["units"] == [
        {"name": "县卫生健康局", "role": "lead"},
        {"name": "县医保局", "role": "lead"},
        {"name": "县财政局", "role": "co"},
    ]
    assert ts["一.1"]["deadlines"] == ["2024-06-30", "2024-12-31"]
    assert ts["一.2"]["units"] == [{"name": "县卫生健康局", "role": "lead"}]


@pytest.mark.parametrize(
    "text,year,dates",
    [
        ("9月底前完成价格调整", 2024, ["2024-09-30"]),
        ("年底前实现统一", 2024, ["2024-12-31"]),
        ("每年6月底前报送进展", 2024, []),
        ("于2024年3月12日印发", 2024, ["2024-03-12"]),
        ("9月底前完成价格调整", None, []),
    ],
)
def test_bare_months_in_one_year_plans(text: str, year: int | None, dates: list[str]) -> None:
    assert [d for d, _, _ in deadlines(text, default_year=year)] == dates


@pytest.mark.parametrize(
    "content,expected",
    [
        ("市卫健委、市医保局等部门按职责分工负责", [("市卫健委", "lead"), ("市医保局", "co")]),
        ("主要负责单位：县卫健局；协同单位：县财政局", [("县卫健局", "lead"), ("县财政局", "co")]),
    ],
)
def test_more_unit_wordings(content: str, expected: list[tuple[str, str]]) -> None:
    got = parse_units(content)
    assert got is not None
    assert [(u["name"], u["role"]) for u in got] == expected


def test_pdf_wrap_does_not_swallow_wide_lines() -> None:
    body = (
        "坚持以人民健康为中心，坚持预防为主、防治结合，把工作重点放在农村和社区，推动优质医疗资源扩容下沉。"
        * 8
    )
    wrapped = [body[i : i + 28] for i in range(0, len(body), 28)]
    raw = "\n".join(
        [
            "湖南省人民政府办公厅",
            "关于印发《湖南省基层卫生健康服务能力提升三年行动计划（2023—2025年）》的通知",
            "各市州、县市区人民政府：",
        ]
        + wrapped
    )
    lines = normalise(raw).split("\n")
    assert lines[2] == "各市州、县市区人民政府："
    out = json_of(parse_text(raw))
    assert out["document"]["issuer"] == "湖南省人民政府办公厅"
    assert out["document"]["title"] == "湖南省基层卫生健康服务能力提升三年行动计划（2023—2025年）"


def test_period_runs_to_the_last_goal_step_not_the_vision_year() -> None:
    assert plan_period("某市实施方案", "2022-09-02", [2023, 2025, 2035], [])["end"] == 2025
    assert plan_period("某区实施方案", "2024-05-10", [2025, 2035], [])["end"] == 2025


def test_indicator_name_without_bracketed_unit() -> None:
    text = "\n".join(
        [
            "某县健康行动实施方案",
            "一、主要目标",
            "| 序号 | 指标名称 | 2021年现状值 | 2025年目标值 | 指标性质 |",
            "| 1 | 人均预期寿命（岁） | 76.8 | 77.5 | 预期性 |",
            "| 2 | 每千人口执业（助理）医师数 | 2.1 | 3 | 预期性 |",
            "二、重点任务",
            "（一）健康知识普及行动。每年至少开展4次科普活动，到2024年，每个村至少有1名健康指导员。",
        ]
    )
    out = json_of(parse_text(text))
    ind = {i["name"]: i for i in out["indicators"]}
    assert ind["人均预期寿命"]["unit"] == "岁"
    assert "每千人口执业（助理）医师数" in ind
    keyed = {(t["value"], t["year"]) for t in out["targets"]}
    assert (4, None) in keyed and (1, 2024) in keyed
