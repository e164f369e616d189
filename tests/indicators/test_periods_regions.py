"""Statistical periods and the GB/T 2260 region hierarchy read from the code."""

from __future__ import annotations

from datetime import date

import pytest

from dudao_indicators.periods import parse_period
from dudao_shared.regions import contains, is_child, level_of, parent_of, region_prefix


def test_periods() -> None:
    y, q, m = parse_period("2025"), parse_period("2025Q1"), parse_period("2024-02")
    assert (y.granularity, y.end, y.time) == ("year", date(2025, 12, 31), 2025.0)
    assert (q.granularity, q.end, q.time) == ("quarter", date(2025, 3, 31), 2024.25)
    assert (m.end, m.time) == (date(2024, 2, 29), pytest.approx(2023 + 2 / 12))
    for bad in ("2025Q0", "2025-13", "25", "2025Q1 ", "2025-3"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_region_hierarchy() -> None:
    assert [level_of(c) for c in ("360000", "360900", "360902")] == ["province", "city", "county"]
    assert parent_of("360902") == "360900" and parent_of("360900") == "360000"
    assert parent_of("360000") is None
    assert contains("360000", "360902") and contains("360900", "360902")
    assert not contains("360100", "360902") and not contains("360902", "360900")
    assert is_child("360900", "360902") and not is_child("360000", "360902")
    assert region_prefix("360900") == "3609"


async def test_direction_change_must_agree_with_targets(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    from harness import client_for

    from indicators.helpers import IMR_TARGET, make_indicator

    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan(), target=IMR_TARGET)
        r = await c.patch(
            f"/api/v1/indicators/{ind['id']}",
            json={"direction": "higher_is_better"},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "direction"
        r = await c.patch(
            f"/api/v1/indicators/{ind['id']}",
            json={"nature": "binding", "threshold_moderate": 0.5},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200 and r.headers["ETag"] == '"2"'
