"""A plan's supervision rules (督办规则): sign-off deadline, escalation ladder, bulletin ranking.

Defaults (a plan overrides them in ``supervision_rules``):
- 签收: a unit acknowledges an assignment within ``ack_days`` (3) of being given it;
- the ladder 提醒 → 催办 → 督办 → 约谈/通报: reminders and 催办 come first; a 督办单 is raised
  for a lead assignment overdue by more than ``escalate_overdue_days`` (15), or after
  ``escalate_after_reminders`` (3) 催办 without a report since the first of them; the unit
  answers within ``notice_response_days`` (10); a notice still unanswered after its response
  deadline is listed for 约谈/通报;
- bulletins rank units by a score, the sum over each unit's assignments of
  ``ranking_weights[k] × count k`` (k: done, on_time, late, returned, overdue, open_notices),
  divided by the unit's assignments and scaled to 100; ties go to fewer overdue, then the name.
  The default weights reward work accepted on time and weigh overdue work and open notices
  against a unit.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

RANKED = ("done", "on_time", "late", "returned", "overdue", "open_notices")


def _default_weights() -> dict[str, float]:
    return {
        "done": 0.0,
        "on_time": 1.0,
        "late": 0.5,
        "returned": -0.25,
        "overdue": -1.0,
        "open_notices": -0.5,
    }


class SupervisionRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ack_days: int = Field(3, ge=0, le=365, description="签收时限：交办后多少天内签收")
    escalate_overdue_days: int | None = Field(
        15, ge=0, le=3650, description="逾期超过该天数自动生成督办单；为空则不按逾期升级"
    )
    escalate_after_reminders: int | None = Field(
        3, ge=1, le=100, description="催办该次数仍未回应则生成督办单；为空则不按催办升级"
    )
    notice_response_days: int = Field(
        10, ge=1, le=365, description="督办单反馈时限（天）：督办单签发后多少天内反馈"
    )
    ranking_weights: dict[str, float] = Field(
        default_factory=_default_weights,
        description="通报排名权重：done、on_time、late、returned、overdue、open_notices",
    )

    @field_validator("ranking_weights")
    @classmethod
    def _known_weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - set(RANKED)
        if unknown:
            raise ValueError(f"未知的排名项：{'、'.join(sorted(unknown))}")
        # Missing keys take their default, so a plan may set one weight alone.
        return {**_default_weights(), **value}


def supervision_rules_of(raw: dict[str, Any] | None) -> SupervisionRules:
    return SupervisionRules.model_validate(raw or {})
