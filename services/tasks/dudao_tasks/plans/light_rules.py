"""Lights (亮灯): green / yellow / red from deadlines, state and reporting, per plan rules.

Defaults (a plan overrides them in ``light_rules``):
- accepted → green; completed (awaiting review) → ``awaiting_review_light`` (green);
- red when the last deadline has passed and the work is not completed (this includes a
  completion that was returned: returned work is not completed);
- ``returned_light`` (off by default) flags returned work that is not yet overdue;
- yellow when the next deadline falls within ``due_soon_days`` (7), or when nothing was
  reported for ``no_report_days`` (30) counted from the last report or from the assignment;
- green otherwise.
A task's light uses the task's state (its lead assignment's) and its latest report over all
its units; a unit's and a plan's light is the worst of theirs, with counts alongside.
A task with no responsible unit is at least yellow (``unassigned``): nobody works on it, so it
is never green. A co unit's light follows the task once the task is accepted (its part is done
with the task's).

Lights are stored (``plans.light_store``); ``LightState.until`` is the first date on which the
same inputs give another light, which is when the daily sweep recomputes the row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Light = Literal["green", "yellow", "red"]
_LIGHTS: tuple[Light, ...] = ("green", "yellow", "red")
_RANK: dict[str, int] = {light: rank for rank, light in enumerate(_LIGHTS)}


class LightRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_soon_days: int = Field(
        7, ge=0, le=365, description="临期天数：距下一完成时限不超过该天数亮黄灯"
    )
    no_report_days: int | None = Field(
        30, ge=1, le=3650, description="超过该天数未填报亮黄灯；为空则不检查"
    )
    returned_light: Literal["yellow", "red"] | None = Field(
        None, description="被退回且未逾期时的灯色；为空则按其他规则"
    )
    awaiting_review_light: Literal["green", "yellow"] = Field(
        "green", description="已完成待审核时的灯色"
    )


def rules_of(raw: dict[str, Any] | None) -> LightRules:
    return LightRules.model_validate(raw or {})


@dataclass(slots=True)
class LightState:
    light: Light
    overdue: bool
    due_soon: bool
    next_due_on: dt.date | None
    final_due_on: dt.date | None
    reasons: list[str] = field(default_factory=list)
    until: dt.date | None = None


def compute(
    *,
    status: str,
    deadlines: Sequence[dt.date],
    last_report_on: dt.date | None,
    since: dt.date,
    rules: LightRules,
    today: dt.date,
    unassigned: bool = False,
) -> LightState:
    state = _compute(status, deadlines, last_report_on, since, rules, today)
    if unassigned and status not in ("completed", "accepted"):
        state.light = worst([state.light, "yellow"])
        state.reasons.append("unassigned")
    return state


def _day_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def _until(
    deadlines: Sequence[dt.date],
    last_report_on: dt.date | None,
    since: dt.date,
    rules: LightRules,
    today: dt.date,
) -> dt.date | None:
    """The first date after ``today`` on which :func:`compute` may answer otherwise: a
    deadline passes, a deadline comes within ``due_soon_days``, or the quiet spell grows past
    ``no_report_days``."""
    dates = [_day_after(d) for d in deadlines]
    dates += [d - dt.timedelta(days=rules.due_soon_days) for d in deadlines]
    if rules.no_report_days is not None:
        dates.append((last_report_on or since) + dt.timedelta(days=rules.no_report_days + 1))
    later = [d for d in dates if d > today]
    return min(later) if later else None


def _compute(
    status: str,
    deadlines: Sequence[dt.date],
    last_report_on: dt.date | None,
    since: dt.date,
    rules: LightRules,
    today: dt.date,
) -> LightState:
    final = max(deadlines) if deadlines else None
    upcoming = [d for d in deadlines if d >= today]
    nxt = min(upcoming) if upcoming else None
    done = status in ("completed", "accepted")
    overdue = not done and final is not None and today > final
    due_soon = not done and nxt is not None and (nxt - today).days <= rules.due_soon_days
    state = LightState("green", overdue, due_soon, nxt, final)
    if not done:
        state.until = _until(deadlines, last_report_on, since, rules, today)
    if status == "accepted":
        return state
    if status == "completed":
        state.light = rules.awaiting_review_light
        if state.light != "green":
            state.reasons.append("awaiting_review")
        return state
    if overdue:
        state.light = "red"
        state.reasons.append("overdue")
        return state
    if status == "returned" and rules.returned_light:
        state.light = rules.returned_light
        state.reasons.append("returned")
    if due_soon:
        state.light = worst([state.light, "yellow"])
        state.reasons.append("due_soon")
    if rules.no_report_days is not None:
        quiet = (today - (last_report_on or since)).days
        if quiet > rules.no_report_days:
            state.light = worst([state.light, "yellow"])
            state.reasons.append("no_recent_report")
    return state


def worst(lights: Iterable[str]) -> Light:
    best: Light = "green"
    for light in lights:
        if _RANK[light] > _RANK[best]:
            best = _LIGHTS[_RANK[light]]
    return best


def counts(lights: Iterable[str]) -> dict[str, int]:
    out = {"green": 0, "yellow": 0, "red": 0}
    for light in lights:
        out[light] += 1
    return out
