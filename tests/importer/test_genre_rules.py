"""Genre rules the seeds do not all show: other numbering, units, cross-references, tables."""

from __future__ import annotations

from typing import Any

import pytest
from _seeds import json_of

from dudao_importer import parse_text
from dudao_importer.dates import deadlines
from dudao_importer.indicators import parse_target_cell
from dudao_importer.units import parse_units


def tasks(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for i in out["items"] if i["kind"] == "task"}


@pytest.mark.parametrize(
    "content,expected",
    [
        ("责任单位：省卫生健康委、省财政厅", [("省卫生健康委", "lead"), ("省财政厅", "co")]),
        (
            "市卫健委、市医保局牵头，市财政局配合",
            [("市卫健委", "lead"), ("市医保局", "lead"), ("市财政局", "co")],
        ),
        (
            "牵头单位：县卫健委；配合单位：县财政局、各乡（镇）政府",
            [("县卫健委", "lead"), ("县财政局", "co"), ("各乡（镇）政府", "co")],
        ),
        (
            "省卫生健康委，各市、县〔区〕政府",
            [("省卫生健康委", "lead"), ("各市、县（区）政府", "co")],
        ),
        (
            "区卫健委,各乡〔镇〕〔含街道、开发区，下同〕政府",
            [("区卫健委", "lead"), ("各乡（镇）政府", "co")],
        ),
        ("市医保局、市财政局等按职责分工负责", [("市医保局", "lead"), ("市财政局", "co")]),
    ],
)
def test_unit_lists(content: str, expected: list[tuple[str, str]]) -> None:
    got = parse_units(content)
    assert got is not None
    assert [(u["name"], u["role"]) for u in got] == expected


@pytest.mark.parametrize(
    "content", ["附件1：重点任务清单", "见专栏2", "2023-2025年", "含村卫生室", "以下简称“三医联动”"]
)
def test_cross_references_are_not_units(content: str) -> None:
    assert parse_units(content) is None


@pytest.mark.parametrize(
    "text,dates",
    [
        ("到2023年底完成", ["2023-12-31"]),
        ("2023年年底前建成", ["2023-12-31"]),
        ("2024年6月底前出台", ["2024-06-30"]),
        ("2025年上半年完成主体，下半年装修", ["2025-06-30", "2025-12-31"]),
        ("力争2025年全覆盖", ["2025-12-31"]),
        ("从2023年起全面推行", []),
        ("启动2021年度遴选", []),
        ("在2020年基础上增长10%", []),
        ("《健康江西2030规划》（2021—2025年）", []),
        ("2024年第三季度前完成", ["2024-09-30"]),
    ],
)
def test_deadline_phrases(text: str, dates: list[str]) -> None:
    assert [d for d, _, _ in deadlines(text)] == dates


def test_numbering_styles_and_units_table() -> None:
    text = "\n".join(
        [
            "某市卫生健康重点工作方案",
            "一、主要任务",
            "（一）提升基层能力",
            "1、建设标准化卫生院。每个乡镇设置一所卫生院。（见专栏1）",
            "2、加强人才培养。每年至少培训乡村医生200名。（附件1：培训计划）",
            "（二）强化公共卫生",
            "3、完善疾控体系。到2025年，疾控中心达标率达到100%。",
            "二、保障措施",
            "（一）加强组织领导。",
            "附件2",
            "任务分工表",
            "| 序号 | 重点任务 | 牵头单位 | 配合单位 |",
            "| --- | --- | --- | --- |",
            "| 1 | 建设标准化卫生院 | 市卫健委 | 市发改委 |",
            "| 2 | 加强人才培养 | 市卫健委 | 市人社局 |",
            "| 3 | 完善疾控体系 | 市疾控局 | 市财政局 |",
        ]
    )
    out = json_of(parse_text(text))
    ts = tasks(out)
    assert set(ts) == {"一.(一).1", "一.(一).2", "一.(二).3"}
    assert ts["一.(一).1"]["units"] == [
        {"name": "市卫健委", "role": "lead"},
        {"name": "市发改委", "role": "co"},
    ]
    assert ts["一.(二).3"]["units"][0] == {"name": "市疾控局", "role": "lead"}
    assert ts["一.(二).3"]["deadlines"] == ["2025-12-31"]
    keyed = {(t["item"], t["value"], t["comparator"], t["year"]) for t in out["targets"]}
    assert ("一.(一).1", 1, ">=", None) in keyed
    assert ("一.(一).2", 200, ">=", None) in keyed
    assert ("一.(二).3", 100, ">=", 2025) in keyed
    assert len(out["key_list"]) == 3
    assert not any(i["code"].startswith("二") for i in out["items"])


def test_chapters_and_sections() -> None:
    text = "\n".join(
        [
            "某省“十四五”卫生健康规划",
            "第一章 发展基础",
            "第一节 主要成就",
            "全省床位数达到30万张。",
            "第二章 主要任务",
            "第一节 强化公共卫生",
            "一、完善疾控体系。服务半径不超过5公里。（省卫生健康委负责）",
            "二、提升应急能力。（省卫生健康委、省应急厅按职责分工负责）",
            "第二节 优化医疗服务",
            "一、推进分级诊疗。县域内就诊率保持在90%以上。（省卫生健康委牵头，省医保局配合）",
            "第三章 保障措施",
            "一、加强领导",
        ]
    )
    out = json_of(parse_text(text))
    ts = tasks(out)
    assert set(ts) == {"第二章.第一节.一", "第二章.第一节.二", "第二章.第二节.一"}
    assert out["document"]["period"] == {"start": 2021, "end": 2025}
    keyed = {(t["item"], t["value"], t["comparator"]) for t in out["targets"]}
    assert keyed == {("第二章.第一节.一", 5, "<="), ("第二章.第二节.一", 90, ">=")}


def test_units_note_extends_to_following_tasks() -> None:
    text = "\n".join(
        [
            "一、重点任务",
            "以下责任单位均包括各设区市人民政府。",
            "1.加强建设。（省卫生健康委）",
            "2.完善机制。（省医保局、省财政厅）",
        ]
    )
    ts = tasks(json_of(parse_text(text)))
    assert ts["一.1"]["units"] == [
        {"name": "省卫生健康委", "role": "lead"},
        {"name": "各设区市人民政府", "role": "co"},
    ]
    assert [u["name"] for u in ts["一.2"]["units"]] == ["省医保局", "省财政厅", "各设区市人民政府"]


def test_web_residue_and_document_fields() -> None:
    text = "\n".join(
        [
            "您当前所在位置：首页>政务公开>文件",
            "浏览次数：1234",
            "来源：某市卫健委",
            "某市人民政府办公室关于印发某市卫生健康行动计划（2023—2025年）的通知",
            "某府办发[2023]12号",
            "各县（区）人民政府：现将计划印发给你们。",
            "某市人民政府办公室",
            "2023年3月1日",
            "一、重点任务",
            "1.加强建设。到2024年底完成。（市卫健委）",
            "打印 关闭",
        ]
    )
    out = json_of(parse_text(text))
    doc = out["document"]
    assert doc["title"] == "某市卫生健康行动计划（2023—2025年）"
    assert doc["doc_number"] == "某府办发〔2023〕12号"
    assert doc["issuer"] == "某市人民政府办公室"
    assert doc["issued_on"] == "2023-03-01"
    assert doc["period"] == {"start": 2023, "end": 2025}
    assert "浏览次数" not in out["text"] and "打印" not in out["text"]


@pytest.mark.parametrize(
    "cell,name,kind,cmp,value",
    [
        ("≤14/10万", "孕产妇死亡率", "absolute", "<=", 14),
        ("78.6", "人均预期寿命", "absolute", ">=", 78.6),
        ("5.5", "婴儿死亡率", "absolute", "<=", 5.5),
        ("同比例提高", "健康预期寿命", "qualitative", None, None),
        ("在2020年基础上增长30%", "每千人口公共卫生人员数", "relative", ">=", 30),
        ("力争每年降低0.5个百分点以上", "近视率", "annual_change", "<=", -0.5),
        ("27%左右", "个人卫生支出占比", "absolute", "~", 27),
    ],
)
def test_indicator_target_cells(
    cell: str, name: str, kind: str, cmp: str | None, value: float | None
) -> None:
    t = parse_target_cell(cell, name, 2025)
    assert (t["kind"], t["comparator"], t["value"]) == (kind, cmp, value)
