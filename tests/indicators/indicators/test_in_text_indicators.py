"""Which in-text targets of a real imported plan become indicators (``loader.bulk_body_from_parsed``).

The plans are parsed by the importer from their real text, as the task service does before it
posts them to ``/indicators/parsed``; the mapping is the one that route stores.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from harness import client_for

from dudao_importer import parse_file
from dudao_indicators.indicators.bulk import BulkIndicatorsIn
from dudao_indicators.indicators.loader import bulk_body_from_parsed
from dudao_shared.indicator_names import indicator_key, names_indicator
from indicators.helpers import REGION

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "deploy" / "seeds"
DEV = ROOT / "tests" / "importer" / "dev"
YICHUN = SEEDS / "002_dfb8ccd5e9df308d.txt"  # 24 table rows and 47 in-text targets


def rows_of(path: Path) -> tuple[list[dict[str, Any]], int, int]:
    plan = parse_file(path)
    body = bulk_body_from_parsed(
        plan_id="plan-1",
        region_code="360900",
        parsed_indicators=plan.indicators,
        parsed_targets=plan.targets,
        default_target_year=plan.document.period.end,
    )
    if body["indicators"]:
        BulkIndicatorsIn.model_validate(body)  # what the bulk route accepts
    return body["indicators"], len(plan.indicators), len(plan.targets)


def test_the_yichun_plan_yields_no_fragment_and_no_repeat() -> None:
    rows, table, targets = rows_of(YICHUN)
    assert (table, targets) == (24, 47)
    names = [r["name"] for r in rows]
    # The issue: 71 indicators, most of them named by fragments.
    assert len(rows) < 50
    for fragment in ("全市", "确保把", "具有指导功能", "政府举办", "各县（市、区）至少"):
        assert fragment not in names
    in_text = [r["name"] for r in rows if r.get("code")]
    assert in_text and all(names_indicator(n) for n in in_text), in_text
    repeats = {k: n for k, n in Counter(indicator_key(n) for n in names).items() if n > 1}
    assert repeats == {}
    # 全市居民健康素养水平 in the text is the table's row 7, stored once with the table's target.
    assert names.count("居民健康素养水平") == 1
    assert "全市居民健康素养水平" not in names
    assert "全市二级及以上综合医院设立老年医学科的比例" not in names
    # A rate stated only in the text is an indicator of its own.
    assert "120电话开通率" in in_text
    assert "国家卫生县城创建比例" in in_text


def test_repeats_of_one_indicator_are_one_with_the_other_years_as_milestones() -> None:
    # 001: 2023年…每千人口托位数3.5个；2024年…4.0个；2025年…4.5个
    rows, _, _ = rows_of(SEEDS / "001_1d96ae928440d7e2.txt")
    places = [r for r in rows if r["name"] == "每千人口托位数"]
    assert len(places) == 1
    (row,) = places
    assert (row["target"]["year"], row["target"]["value"]) == (2025, 4.5)
    assert [(m["year"], m["value"]) for m in row["milestones"]] == [(2023, 3.5), (2024, 4.0)]
    # The opening words of a clause are not stored as part of the name (且负压救护车占比).
    assert "负压救护车占比" in [r["name"] for r in rows]
    # Counts of facilities built (新增社区托育中心8个) stay targets of their tasks.
    assert not [r for r in rows if "新增社区托育中心" in r["name"]]
    assert Counter(indicator_key(r["name"]) for r in rows).most_common(1)[0][1] == 1


def test_a_plan_whose_targets_name_no_indicator_yields_none() -> None:
    # dev 05 (顺德 登革热 指挥部 指引): 3 targets, all time windows of mosquito control.
    rows, table, targets = rows_of(DEV / "05_shunde-arbovirus-epi-command-centre-guideline.txt")
    assert (table, targets, rows) == (0, 3, [])


async def test_posting_a_plan_whose_targets_name_no_indicator_stores_none(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    plan = parse_file(DEV / "05_shunde-arbovirus-epi-command-centre-guideline.txt")
    plan_id = await new_plan()
    body = {
        "plan_id": plan_id,
        "region_code": REGION,
        "indicators": [],
        "targets": [t.model_dump(mode="json", exclude={"span"}) for t in plan.targets],
    }
    async with client_for(indicators, make_token("planner", region_code=REGION)) as c:
        r = await c.post("/api/v1/indicators/parsed", json=body)
        assert r.status_code in (200, 201), r.text
        assert (r.json()["created"], r.json()["items"]) == (0, [])
        listed = await c.get("/api/v1/indicators", params={"plan_id": plan_id})
        assert listed.json()["items"] == []
