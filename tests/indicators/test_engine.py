"""The assessment engine against mission-anchors §10: the four worked examples of §10.4,
the reference results of §10.5 and every branch of the §10.2 decision procedure."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from dudao_indicators.engine import (
    AssessmentInput,
    AssessmentResult,
    Point,
    TargetSpec,
    Thresholds,
    assess,
    limit_factor,
    score_from_growth,
    score_from_ratio,
)

DEFAULT_THRESHOLDS = Thresholds()


def run(
    xb: float | None,
    xt: float | None,
    xc: float | None,
    comparator: str | None = "<=",
    direction: str = "lower_is_better",
    *,
    nature: str = "expected",
    c: float = 2023,
    b: float = 2020,
    t: int = 2025,
    kind: str = "absolute",
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    **spec: object,
) -> AssessmentResult:
    target = TargetSpec(
        kind=kind,  # type: ignore[arg-type]
        comparator=comparator,  # type: ignore[arg-type]
        value=D(str(xt)) if xt is not None else None,
        target_year=t,
        **spec,  # type: ignore[arg-type]
    )
    return assess(
        AssessmentInput(
            direction=direction,  # type: ignore[arg-type]
            nature=nature,
            target=target,
            baseline=Point(b, D(str(xb))) if xb is not None else None,
            latest=Point(c, D(str(xc))) if xc is not None else None,
            thresholds=thresholds,
        )
    )


# §10.4, the four worked examples (base 2020, target 2025, latest 2023).
def test_example_infant_mortality_moderately_off_track() -> None:
    r = run(5.4, 5.0, 5.2)
    assert r.status == "moderately_off_track"
    assert r.method == "cagr"
    assert r.ratio == D("0.8185")


def test_example_infant_mortality_binding_is_off_track() -> None:
    r = run(5.4, 5.0, 5.2, nature="binding")
    assert r.status == "off_track"
    assert r.ratio == D("0.8185")
    assert r.components["binding_applied"] is True
    assert r.score is not None and r.score < 0


def test_example_life_expectancy_on_track() -> None:
    r = run(78.0, 79.0, 78.6, ">=", "higher_is_better")
    assert r.status == "on_track"
    assert D("1.002") <= r.ratio <= D("1.003")  # type: ignore[operator]


def test_example_doctors_relative_target_moderately_off_track() -> None:
    r = run(2.9, 30, 3.2, ">=", "higher_is_better", kind="relative", rule_unit="%")
    assert D(r.components["target_value"]) == D("3.77")  # 2.9 × 1.30, the rule resolved
    assert r.status == "moderately_off_track"
    assert r.ratio == D("0.6192")


def test_example_infant_mortality_worsening_regressing() -> None:
    r = run(5.4, 5.0, 5.6)
    assert r.status == "regressing"
    assert r.ratio == D("-0.7985")
    assert r.score == D("-5.00")


# §10.5, the other reference cases.
def test_achieved_whatever_the_trend() -> None:
    r = run(5.4, 5.0, 4.9, c=2024)
    assert (r.status, r.score) == ("achieved", D("5.00"))


def test_deadline_passed_not_achieved() -> None:
    r = run(5.4, 5.0, 5.1, c=2025)
    assert r.status == "not_achieved"
    assert r.score is not None and r.score <= 0
    assert any("目标年份" in x for x in r.reasons)


def test_base_already_better_then_worse_is_regressing() -> None:
    assert run(4.0, 5.0, 5.3).status == "regressing"


def test_zero_base_uses_linear() -> None:
    r = run(0, 10, 4, ">=", "higher_is_better")
    assert r.method == "linear"
    assert r.ratio == D("0.6667")
    assert r.status == "moderately_off_track"


def test_negative_values_use_linear() -> None:
    r = run(-2, 2, 1, ">=", "higher_is_better")
    assert r.method == "linear"
    assert r.ratio == D("1.2500")
    assert r.status == "on_track"


def test_maintain_target_met() -> None:
    assert run(80, 80, 85, ">=", "higher_is_better").status == "achieved"


def test_band_overshoot_within_twice_tolerance() -> None:
    r = run(70, 90, 96, "~", "band")
    assert (r.status, r.method) == ("moderately_off_track", "band")
    assert r.components["deviation"] == "0.0667"


def test_band_overshoot_beyond_twice_tolerance_off_track() -> None:
    r = run(70, 90, 110, "~", "band")
    assert (r.status, r.method) == ("off_track", "band")


def test_band_within_tolerance_is_achieved() -> None:
    assert run(70, 90, 93, "~", "band").status == "achieved"


def test_band_approaching_uses_ratio() -> None:
    r = run(20, 27, 25, "~", "band")
    assert r.method == "cagr"
    assert r.status == "on_track"


def test_maintain_drifting_out_of_band() -> None:
    r = run(27, 27, 29.5, "~", "band")
    assert (r.status, r.method) == ("moderately_off_track", "band")
    assert run(27, 27, 29.5, "~", "band", nature="binding").status == "off_track"


def test_between_target() -> None:
    assert run(0, 1, 1, "between", "band", value_max=D(2)).status == "achieved"
    r = run(0, 1, 0, "between", "band", value_max=D(2), t=2025, c=2023)
    assert r.status == "off_track"
    overshot = run(0, 1, 5, "between", "band", value_max=D(3))
    assert (overshot.status, overshot.method) == ("off_track", "band")
    from_above = run(10, 4, 7, "between", "band", value_max=D(5))
    assert (from_above.status, from_above.method) == ("moderately_off_track", "cagr")
    assert from_above.components["direction_sign"] == -1


def test_milestone_preferred() -> None:
    r = run(0.89, 4.5, 3.5, ">=", "higher_is_better", milestones={2023: D("3.5"), 2024: D("4.0")})
    assert r.method == "milestone"
    assert r.ratio == D("1.0000")
    assert r.status == "on_track"
    assert r.components["milestone_value"] == "3.5"


def test_milestone_missed() -> None:
    r = run(0.89, 4.5, 2.0, ">=", "higher_is_better", milestones={2023: D("3.5")})
    assert r.method == "milestone"
    assert r.status == "off_track"


def test_annual_change_implies_milestones() -> None:
    # 力争每年降低0.5个百分点以上: from 50 in 2020, 2023 should be at most 48.5.
    r = run(50, -0.5, 48.4, "<=", "lower_is_better", kind="annual_change", rule_unit="百分点")
    assert D(r.components["target_value"]) == D("47.5")
    assert r.method == "milestone"
    assert D(r.components["milestone_value"]) == D("48.5")
    assert r.status == "on_track"
    # 1.4 of the 1.5 points expected by 2023: R = 0.933.
    r = run(50, -0.5, 48.6, "<=", "lower_is_better", kind="annual_change", rule_unit="百分点")
    assert (r.status, r.ratio) == ("moderately_off_track", D("0.9333"))


def test_thresholds_per_indicator() -> None:
    lenient = Thresholds(on_track=D("0.80"), moderate=D("0.50"), regress=D("-0.10"))
    assert run(5.4, 5.0, 5.2, thresholds=lenient).status == "on_track"
    assert run(5.4, 5.0, 5.41, thresholds=lenient).status == "off_track"
    r = run(5.4, 5.0, 5.2, thresholds=lenient)
    assert r.components["thresholds"] == {
        "on_track": "0.80",
        "moderate": "0.50",
        "regress": "-0.10",
    }


def test_missing_data_branches() -> None:
    assert run(5.4, 5.0, None).status == "insufficient_data"
    assert run(None, 5.0, 5.2).status == "insufficient_data"
    assert run(5.4, 5.0, 5.2, c=2020).status == "insufficient_data"
    r = run(None, 30, 3.2, ">=", "higher_is_better", kind="relative", rule_unit="%")
    assert r.status == "insufficient_data"
    assert all(r.reasons)


def test_relative_points_rule() -> None:
    r = run(24.0, 3, 25.0, ">=", "higher_is_better", kind="relative", rule_unit="百分点")
    assert D(r.components["target_value"]) == D("27")


def test_no_target_uses_growth() -> None:
    r = run(70, None, 74, None, "higher_is_better", kind="qualitative")
    assert r.method == "no_target_cagr"
    assert r.status == "on_track"  # ≈ 1.9 % a year
    assert run(70, None, 70.5, None, "higher_is_better", kind="qualitative").status == "off_track"
    assert run(70, None, 69, None, "higher_is_better", kind="qualitative").status == "regressing"
    assert run(70, None, 74, None, "band", kind="qualitative").status == "insufficient_data"


def test_score_formulas() -> None:
    assert score_from_ratio(-0.6) == pytest.approx(-5, abs=1e-3)
    assert score_from_ratio(0) == pytest.approx(-2.5)
    assert score_from_ratio(0.6) == pytest.approx(0, abs=1e-3)
    assert score_from_ratio(0.95) == pytest.approx(2.5, abs=1e-3)
    assert score_from_ratio(2) == 5
    assert score_from_growth(0.015, 1) == pytest.approx(2.5)
    assert score_from_growth(-0.03, 1) == -5
    assert limit_factor(100, 100) == 0
    assert limit_factor(250, 100) == 1


def test_reasons_explain_the_status() -> None:
    r = run(5.4, 5.0, 5.2)
    text = "".join(r.reasons)
    assert "增长率比值法" in text and "R=0.8185" in text and "进度稍滞后" in text
