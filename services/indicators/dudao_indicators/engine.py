"""The progress assessment of one indicator in one region: pure, no database.

Implements ``shared/docs/reference/mission-anchors.md`` §10.2 in order:

1. no measurement, no baseline, or a latest period not after the base year → insufficient_data;
2. the target is met → achieved, whatever the trend;
3. the target year has come and the target is not met → not_achieved;
4. band targets (``~``, ``=``, ``between``, or maintaining the baseline): overshooting or drifting
   outside the band is moderately_off_track within twice the tolerance, off_track beyond;
5. a progress ratio R from, first applicable: the plan's milestone for the latest year, the
   Open SDG ratio of growth rates (all values positive), else the linear method;
6. R classified with the indicator's thresholds (default 0.95 / 0.60 / 0);
7. binding (约束性) indicators have no middle band: moderately_off_track becomes off_track;
8. without a numeric target: the observed growth rate with Open SDG's 1.5 % / 0.5 % / 0,
   scaled by the limit factor C for bounded indicators.

Every result carries its components and Chinese reasons so a person can see why.
Arithmetic runs in floats (fractional powers); inputs and stored outputs are decimals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal

Status = Literal[
    "achieved",
    "on_track",
    "moderately_off_track",
    "off_track",
    "regressing",
    "not_achieved",
    "insufficient_data",
]
STATUSES: tuple[str, ...] = (
    "achieved",
    "on_track",
    "moderately_off_track",
    "off_track",
    "regressing",
    "not_achieved",
    "insufficient_data",
)
STATUS_ZH: dict[str, str] = {
    "achieved": "已达标",
    "on_track": "进度正常",
    "moderately_off_track": "进度稍滞后",
    "off_track": "进度滞后",
    "regressing": "出现倒退",
    "not_achieved": "到期未达标",
    "insufficient_data": "数据不足",
}
Method = Literal["milestone", "cagr", "linear", "band", "no_target_cagr", "none"]
Direction = Literal["higher_is_better", "lower_is_better", "band"]
Comparator = Literal[">=", "<=", "~", "=", "between", ">", "<"]
TargetKind = Literal["absolute", "relative", "annual_change", "qualitative"]

DEFAULT_TOLERANCE = Decimal("0.05")
# Open SDG's thresholds for indicators without a numeric target (growth per year).
NO_TARGET_ON_TRACK = 0.015
NO_TARGET_MODERATE = 0.005
LIMIT_EXPONENT = 4.44


@dataclass(frozen=True, slots=True)
class Thresholds:
    on_track: Decimal = Decimal("0.95")
    moderate: Decimal = Decimal("0.60")
    regress: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target as the plan states it; relative and annual-change rules stay rules."""

    kind: TargetKind
    comparator: Comparator | None = None
    value: Decimal | None = None
    value_max: Decimal | None = None
    rule_unit: str | None = None
    target_year: int | None = None
    tolerance: Decimal | None = None
    milestones: dict[int, Decimal] = field(default_factory=dict)
    resolved_value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Point:
    time: float
    value: Decimal
    label: str = ""


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    direction: Direction
    nature: str
    target: TargetSpec | None
    baseline: Point | None
    latest: Point | None
    thresholds: Thresholds = Thresholds()
    limit: Decimal | None = None
    baseline_source: str = "target"


@dataclass(slots=True)
class AssessmentResult:
    status: Status
    score: Decimal | None
    method: Method
    ratio: Decimal | None
    components: dict[str, Any]
    reasons: list[str]


def _q(x: float | None, places: str = "0.0001") -> Decimal | None:
    if x is None or math.isnan(x) or math.isinf(x):
        return None
    return Decimal(repr(x)).quantize(Decimal(places))


def _fmt(d: Decimal | float | None) -> str:
    if d is None:
        return "—"
    if isinstance(d, float):
        d = Decimal(repr(d))
    s = format(d.normalize(), "f")
    return s


def _year_label(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else f"{t:.2f}"


def resolve_target(spec: TargetSpec, baseline: Decimal | None) -> Decimal | None:
    """The number a target asks for: relative and annual-change rules applied to the baseline."""
    if spec.kind == "qualitative":
        return None
    if spec.kind == "absolute":
        return spec.value
    if spec.value is None or baseline is None:
        return spec.resolved_value
    points = spec.rule_unit in {"百分点", "个百分点", "pp"}
    if spec.kind == "relative":
        if points:
            return baseline + spec.value
        return baseline * (1 + spec.value / 100)
    # annual_change: needs the span between base and target year.
    return spec.resolved_value


def annual_change_target(
    spec: TargetSpec, baseline_year: int, baseline: Decimal, year: int
) -> Decimal | None:
    """Expected value in ``year`` of a per-year change rule (``每年降低0.5个百分点``)."""
    if spec.value is None:
        return None
    n = year - baseline_year
    if spec.rule_unit in {"%"}:
        return Decimal(repr(float(baseline) * (1 + float(spec.value) / 100) ** n))
    return baseline + spec.value * n


def milestones_for(spec: TargetSpec, baseline: Point | None) -> dict[int, Decimal]:
    """The plan's yearly milestones; an annual-change rule implies one for every year."""
    out: dict[int, Decimal] = {}
    if (
        spec.kind == "annual_change"
        and baseline is not None
        and spec.target_year is not None
        and float(baseline.time).is_integer()
    ):
        b = int(baseline.time)
        for y in range(b + 1, spec.target_year + 1):
            v = annual_change_target(spec, b, baseline.value, y)
            if v is not None:
                out[y] = v
    out.update(spec.milestones)
    return out


def target_value(spec: TargetSpec, baseline: Point | None) -> Decimal | None:
    if spec.kind == "annual_change":
        if baseline is None or spec.target_year is None or not float(baseline.time).is_integer():
            return spec.resolved_value
        return annual_change_target(spec, int(baseline.time), baseline.value, spec.target_year)
    return resolve_target(spec, baseline.value if baseline else None)


def score_from_ratio(r: float) -> float:
    if r >= 0.6:
        return min(7.1429 * r - 4.2857, 5.0)
    return max(4.1667 * r - 2.5, -5.0)


def score_from_growth(v: float, c: float) -> float:
    """Piecewise-linear through (−2 %, −5), (0, −2.5), (0.5 %·C, 0), (1.5 %·C, 2.5), (2 %·C, 5)."""
    pts = [(-0.02, -5.0), (0.0, -2.5), (0.005 * c, 0.0), (0.015 * c, 2.5), (0.02 * c, 5.0)]
    if v <= pts[0][0]:
        return -5.0
    if v >= pts[-1][0]:
        return 5.0
    for (x0, y0), (x1, y1) in pairwise(pts):
        if x0 <= v <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (v - x0) / (x1 - x0)
    return 5.0


def limit_factor(baseline: float, limit: float) -> float:
    if baseline <= limit:
        return 1 - float((baseline / limit) ** LIMIT_EXPONENT)
    if baseline < 2 * limit:
        return 1 - float(((2 * limit - baseline) / limit) ** LIMIT_EXPONENT)
    return 1.0


def classify(r: float, th: Thresholds) -> Status:
    if r >= float(th.on_track):
        return "on_track"
    if r >= float(th.moderate):
        return "moderately_off_track"
    if r >= float(th.regress):
        return "off_track"
    return "regressing"


def _achieved(comparator: str | None, xc: float, xt: float, hi: float | None, tol: float) -> bool:
    if comparator == ">=":
        return xc >= xt
    if comparator == ">":
        return xc > xt
    if comparator == "<=":
        return xc <= xt
    if comparator == "<":
        return xc < xt
    if comparator == "between":
        return xt <= xc <= (hi if hi is not None else xt)
    # "~" and "=": within the tolerance of the target (relative; absolute when the target is 0).
    scale = abs(xt) if xt != 0 else 1.0
    return abs(xc - xt) / scale <= tol + 1e-12


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


class _Builder:
    def __init__(self, inp: AssessmentInput) -> None:
        self.inp = inp
        th = inp.thresholds
        self.components: dict[str, Any] = {
            "direction": inp.direction,
            "nature": inp.nature,
            "thresholds": {
                "on_track": str(th.on_track),
                "moderate": str(th.moderate),
                "regress": str(th.regress),
            },
            "baseline_source": inp.baseline_source if inp.baseline else None,
        }
        self.reasons: list[str] = []

    def result(
        self,
        status: Status,
        *,
        method: Method,
        ratio: float | None = None,
        score: float | None = None,
    ) -> AssessmentResult:
        self.components["method"] = method
        self.components["ratio"] = str(_q(ratio)) if ratio is not None else None
        self.components["status"] = status
        score_d = _q(score, "0.01") if score is not None else None
        self.components["score"] = str(score_d) if score_d is not None else None
        self.components["reasons"] = list(self.reasons)
        return AssessmentResult(
            status=status,
            score=score_d,
            method=method,
            ratio=_q(ratio),
            components=self.components,
            reasons=self.reasons,
        )

    def finish(
        self, status: Status, method: Method, r: float | None, score: float | None
    ) -> AssessmentResult:
        if self.inp.nature == "binding" and status == "moderately_off_track":
            status = "off_track"
            self.components["binding_applied"] = True
            self.reasons.append("约束性指标不设中间档：进度稍滞后按进度滞后处理")
            # Keep the roll-up consistent with the status: a binding score stays below 0.
            if score is not None:
                score = min(score, -0.01)
        self.reasons.append(f"结论：{STATUS_ZH[status]}")
        return self.result(status, method=method, ratio=r, score=score)


def assess(inp: AssessmentInput) -> AssessmentResult:
    """Assess one indicator × region following §10.2 (see the module docstring)."""
    b = _Builder(inp)
    comps = b.components
    spec = inp.target
    if inp.latest is None:
        b.reasons.append("尚无监测值")
        return b.result("insufficient_data", method="none")
    xc_d = inp.latest.value
    c = inp.latest.time
    comps.update(latest_time=c, latest_period=inp.latest.label, latest_value=str(xc_d))
    if inp.baseline is None:
        b.reasons.append("缺少基期值，且没有可作为基期的监测值")
        return b.result("insufficient_data", method="none")
    xb_d = inp.baseline.value
    bt = inp.baseline.time
    comps.update(baseline_year=bt, baseline_value=str(xb_d))
    if c <= bt:
        b.reasons.append(
            f"最新监测期（{inp.latest.label or _year_label(c)}）不晚于基期（{_year_label(bt)}），"
            "至少需要基期之后的一个数据点"
        )
        return b.result("insufficient_data", method="none")
    xb, xc = float(xb_d), float(xc_d)

    if spec is None or spec.kind == "qualitative":
        return _assess_without_target(inp, b, xb, xc, bt, c)

    xt_d = target_value(spec, inp.baseline)
    t = spec.target_year
    comps.update(
        target_kind=spec.kind,
        comparator=spec.comparator,
        target_year=t,
        target_value=str(xt_d) if xt_d is not None else None,
        target_value_max=str(spec.value_max) if spec.value_max is not None else None,
        target_rule=(
            {"value": str(spec.value), "unit": spec.rule_unit}
            if spec.kind in {"relative", "annual_change"}
            else None
        ),
    )
    if xt_d is None or t is None:
        b.reasons.append("目标值或目标年份无法确定（相对目标需要基期值）")
        return b.result("insufficient_data", method="none")
    if spec.kind in {"relative", "annual_change"}:
        b.reasons.append(
            f"目标按规则“{_fmt(spec.value)}{spec.rule_unit or '%'}”"
            f"{'（每年）' if spec.kind == 'annual_change' else ''}"
            f"由基期值 {_fmt(xb_d)} 换算为 {_fmt(xt_d)}"
        )
    xt = float(xt_d)
    hi = float(spec.value_max) if spec.value_max is not None else None
    tol_d = (
        spec.tolerance
        if spec.tolerance is not None
        else (DEFAULT_TOLERANCE if spec.comparator == "~" else Decimal("0"))
    )
    tol = float(tol_d)
    comps["tolerance"] = str(tol_d)
    cmp_text = {">=": "≥", "<=": "≤", "~": "约", "=": "=", ">": ">", "<": "<", "between": ""}.get(
        spec.comparator or "", ""
    )
    target_text = (
        f"{_fmt(xt_d)}—{_fmt(spec.value_max)}"
        if spec.comparator == "between"
        else f"{cmp_text}{_fmt(xt_d)}"
    )
    b.reasons.append(
        f"基期 {_year_label(bt)} 年 {_fmt(xb_d)}；目标 {t} 年 {target_text}；"
        f"最新 {inp.latest.label or _year_label(c)} {_fmt(xc_d)}"
    )

    # 2. Achieved, whatever the trend.
    if _achieved(spec.comparator, xc, xt, hi, tol):
        b.reasons.append("最新值已达到目标")
        b.reasons.append(f"结论：{STATUS_ZH['achieved']}")
        return b.result("achieved", method="none", score=5.0)

    # The band a "左右", "=" or range target accepts, and the direction of travel the ratio
    # rewards (towards the band's near edge for a range).
    lo_band, hi_band = xt, (hi if spec.comparator == "between" and hi is not None else xt)
    if spec.comparator in {">=", ">"}:
        d = 1
    elif spec.comparator in {"<=", "<"}:
        d = -1
    elif spec.comparator == "between":
        d = 1 if xb < lo_band else (-1 if xb > hi_band else 0)
        if d == -1:
            xt = hi_band
    else:
        d = _sign(xt - xb)
    if inp.direction != "band" and spec.comparator in {">=", ">", "<=", "<"}:
        d_dir = 1 if inp.direction == "higher_is_better" else -1
        if d_dir != d:
            comps["direction_conflict"] = True
    comps["direction_sign"] = d

    # 3. Deadline passed.
    if c >= t:
        b.reasons.append(f"已到目标年份 {t} 年仍未达到目标")
        r, method = _ratio(inp, b, spec, xb, xc, xt, bt, c, t, d)
        score = min(score_from_ratio(r), 0.0) if r is not None else -2.5
        b.reasons.append(f"结论：{STATUS_ZH['not_achieved']}")
        return b.result("not_achieved", method=method, ratio=r, score=score)

    # 4. Band targets: keeping a level (the baseline already in the band, or a target equal to
    # the baseline), or overshooting a "左右"/"="/range target.
    if spec.comparator in {"~", "=", "between"}:
        maintain = lo_band - tol * abs(lo_band) <= xb <= hi_band + tol * abs(hi_band)
    else:
        maintain = xb == xt
    overshoot = (d == 1 and xc > hi_band) or (d == -1 and xc < lo_band)
    if spec.comparator not in {"~", "=", "between"}:
        overshoot = False
    if maintain or overshoot or d == 0:
        nearest = lo_band if abs(xc - lo_band) <= abs(xc - hi_band) else hi_band
        scale = abs(nearest) if nearest != 0 else 1.0
        dev = abs(xc - nearest) / scale
        comps["deviation"] = str(_q(dev))
        # An exact ("=") target has no tolerance for "achieved" but still a band for grading.
        band_tol = tol if tol > 0 else float(DEFAULT_TOLERANCE)
        comps["band_tolerance"] = str(_q(band_tol))
        what = "超出目标区间" if overshoot else "偏离应保持的水平"
        b.reasons.append(
            f"{what}：偏离 {dev:.1%}，容差 {band_tol:.1%}"
            f"（{2 * band_tol:.1%} 以内为稍滞后，以外为滞后）"
        )
        status: Status = "moderately_off_track" if dev <= 2 * band_tol else "off_track"
        # Score falls from 2.5 at the band edge to 0 at twice the tolerance, then to −2.5.
        score = max(min(2.5 - 2.5 * (dev - band_tol) / band_tol, 2.49), -2.5)
        return b.finish(status, "band", None, score)

    # 5–6. Progress ratio and classification.
    r, method = _ratio(inp, b, spec, xb, xc, xt, bt, c, t, d)
    if r is None:
        b.reasons.append("无法计算进度比值")
        return b.result("insufficient_data", method="none")
    status = classify(r, inp.thresholds)
    th = inp.thresholds
    b.reasons.append(
        f"R={r:.4f}；阈值：≥{_fmt(th.on_track)} 进度正常，≥{_fmt(th.moderate)} 稍滞后，"
        f"≥{_fmt(th.regress)} 滞后，以下为倒退"
    )
    return b.finish(status, method, r, score_from_ratio(r))


def _ratio(
    inp: AssessmentInput,
    b: _Builder,
    spec: TargetSpec,
    xb: float,
    xc: float,
    xt: float,
    bt: float,
    c: float,
    t: int,
    d: int,
) -> tuple[float | None, Method]:
    comps = b.components
    # a. The plan's own milestone for the latest year.
    if float(c).is_integer():
        ms = milestones_for(spec, inp.baseline)
        m = ms.get(int(c))
        if m is not None and float(m) != xb:
            r = (xc - xb) / (float(m) - xb)
            comps["milestone_year"] = int(c)
            comps["milestone_value"] = str(m)
            b.reasons.append(
                f"采用规划的分年度目标：{int(c)} 年应达到 {_fmt(m)}，"
                f"R=(最新值−基期值)/(阶段目标−基期值)={r:.4f}"
            )
            return r, "milestone"
    # b. Ratio of growth rates, defined only when every value is positive.
    if xb > 0 and xc > 0 and xt > 0 and t > bt:
        obs = (xc / xb) ** (1 / (c - bt)) - 1
        req = (xt / xb) ** (1 / (t - bt)) - 1
        if req != 0:
            r = d * obs / abs(req)
            comps["growth_observed"] = str(_q(obs, "0.000001"))
            comps["growth_required"] = str(_q(req, "0.000001"))
            b.reasons.append(
                f"采用增长率比值法（Open SDG）：实际年均变化 {obs:+.2%}，"
                f"所需年均变化 {req:+.2%}，R={r:.4f}"
            )
            return r, "cagr"
    # c. Linear: zeros, negatives, or a base at the target.
    if t > bt and xt != xb:
        obs_l = (xc - xb) / (c - bt)
        req_l = (xt - xb) / (t - bt)
        r = d * obs_l / abs(req_l)
        comps["slope_observed"] = str(_q(obs_l, "0.000001"))
        comps["slope_required"] = str(_q(req_l, "0.000001"))
        b.reasons.append(
            f"存在零值或负值，采用线性法：实际年均变化 {obs_l:+.4g}，"
            f"所需年均变化 {req_l:+.4g}，R={r:.4f}"
        )
        return r, "linear"
    return None, "none"


def _assess_without_target(
    inp: AssessmentInput, b: _Builder, xb: float, xc: float, bt: float, c: float
) -> AssessmentResult:
    comps = b.components
    comps["target_kind"] = inp.target.kind if inp.target else None
    if inp.direction == "band":
        b.reasons.append("没有数值目标且指标无方向，无法判断进展")
        return b.result("insufficient_data", method="none")
    if xb == 0 or xc == 0 or _sign(xb) != _sign(xc):
        b.reasons.append("没有数值目标，且基期值与最新值为零或符号不同，无法计算增长率")
        return b.result("insufficient_data", method="none")
    d = 1 if inp.direction == "higher_is_better" else -1
    s = -1 if xb < 0 else 1
    obs = (xc / xb) ** (1 / (c - bt)) - 1
    v = s * d * obs
    cf = 1.0
    if inp.limit is not None and float(inp.limit) > 0:
        cf = limit_factor(xb, float(inp.limit))
        comps["limit"] = str(inp.limit)
        comps["limit_factor"] = str(_q(cf))
    comps.update(growth_observed=str(_q(obs, "0.000001")), direction_sign=d)
    b.reasons.append(
        f"没有数值目标（监测指标）：按年均变化判断，实际年均变化 {obs:+.2%}，v={v:+.2%}；"
        f"阈值 {NO_TARGET_ON_TRACK * cf:.2%} / {NO_TARGET_MODERATE * cf:.2%} / 0"
    )
    if cf == 0 and v >= 0:
        return b.finish("on_track", "no_target_cagr", v, 5.0)
    if v >= NO_TARGET_ON_TRACK * cf:
        status: Status = "on_track"
    elif v >= NO_TARGET_MODERATE * cf:
        status = "moderately_off_track"
    elif v >= 0:
        status = "off_track"
    else:
        status = "regressing"
    return b.finish(status, "no_target_cagr", v, score_from_growth(v, cf))


def comparator_contradiction(comparator: str | None, direction: str) -> str | None:
    """Why a target's comparator cannot go with the indicator's direction, if it cannot."""
    if comparator in {">=", ">"} and direction == "lower_is_better":
        return "“以上”目标与“越低越好”的指标方向矛盾"
    if comparator in {"<=", "<"} and direction == "higher_is_better":
        return "“以下”目标与“越高越好”的指标方向矛盾"
    return None
