"""Real .docx plans (real/SOURCE.md): units in closing brackets with notes, notices that carry
a plan, and the part that holds the tasks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dudao_importer import parse_file

REAL = Path(__file__).resolve().parent / "real"


def test_units_with_a_note_inside_the_bracket() -> None:
    plan = parse_file(REAL / "jiangxi-health-in-all-policies-opinion-2025.docx")
    doc = plan.document
    assert (doc.title, doc.doc_number, doc.issuer) == (
        "江西省人民政府办公厅关于将健康融入所有政策的意见",
        "赣府厅发〔2025〕6号",
        "江西省人民政府办公厅",
    )
    assert doc.issued_on == dt.date(2025, 4, 3)
    items = {i.code: i for i in plan.items}
    assert sum(i.kind == "task" for i in plan.items) == 16
    # （省委组织部、…、省卫生健康委及各设区市人民政府、赣江新区管委会按职责分工负责。以下责任
    # 单位均包括各设区市人民政府、赣江新区管委会，不再列出）
    first = [(u.name, u.role) for u in items["一.(一)"].units]
    assert first[0] == ("省委组织部", "lead")
    names = [n for n, _ in first]
    assert names[-3:] == ["省卫生健康委", "各设区市人民政府", "赣江新区管委会"]
    assert not [n for n in names if "负责" in n or "列出" in n or "以下" in n]
    # The note extends to every following task.
    second = [u.name for u in items["一.(二)"].units]
    assert second[0] == "省卫生健康委" and second[-2:] == ["各设区市人民政府", "赣江新区管委会"]
    assert not [u for i in plan.items for u in i.units if "列出" in u.name]


def test_notice_points_before_the_plan_it_carries_are_not_items() -> None:
    plan = parse_file(REAL / "fuxin-health-in-all-policies-guideline-2020.docx")
    # 关于《X》的通知 (the verb left out): the plan is X.
    assert plan.document.title == "阜新蒙古族自治县“将健康融入所有政策”工作指导方案"
    codes = [i.code for i in plan.items]
    # The notice numbers its own points 一、二、; the plan starts again at 一、.
    assert not [c for c in codes if "#" in c]
    assert codes[:2] == ["二", "二.(一)"] and plan.items[0].title == "工作内容"


def test_task_part_named_work_content() -> None:
    plan = parse_file(REAL / "jurong-health-in-all-policies-plan-2022.docx")
    assert plan.document.title == "句容市“将健康融入所有政策”工作实施方案"
    assert {i.code.split(".")[0] for i in plan.items} == {"三"}
    assert plan.items[0].title == "工作内容"
