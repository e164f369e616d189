"""Collective assignees (各设区市政府, 各县（市、区）政府, 各市、县（区）政府, 各地 …).

A plan gives a task to "every city" or "every county" with one name; the task belongs to
each such region as its own work. This module reads such a name and says which levels of
region under the plan's region receive the task. A name that is not a collective (省卫生健康委,
赣江新区管委会) receives nothing here: it stays one unit.
"""

from __future__ import annotations

import re

from dudao_shared.regions import Level, level_of

from .names import normalize_name

# Names are compared after normalize_name (brackets as （）, no spaces); 人民政府 = 政府.
_CITY = r"(?:各设区市|各市|各地市|各设区的市)"
_COUNTY = (
    r"(?:各县（市、区）|各县（区、市）|各县（市）|各县（区）|各县区|各县市区|各县、区|各县、市、区)"
)
_CITY_AND_COUNTY = r"(?:各市、县（区）|各市、县（市、区）|各市、县|各市县（区）|各市县区|各市县)"
_GOVERNMENT = r"(?:人民)?政府"

_PATTERNS: list[tuple[re.Pattern[str], tuple[Level, ...] | None]] = [
    (re.compile(rf"^{_CITY_AND_COUNTY}{_GOVERNMENT}?$"), ("city", "county")),
    (re.compile(rf"^{_CITY}{_GOVERNMENT}?$"), ("city",)),
    (re.compile(rf"^{_COUNTY}{_GOVERNMENT}?$"), ("county",)),
    # 各地 / 各级政府: the level right below the plan's own.
    (re.compile(r"^(?:各地|各地方|各级政府|各级人民政府|各地政府)$"), None),
]

_BELOW: dict[str, Level] = {"province": "city", "city": "county"}
_DEPTH = {"province": 0, "city": 1, "county": 2}


def receiving_levels(name: str, plan_region: str) -> tuple[Level, ...]:
    """The levels of region under ``plan_region`` that a collective ``name`` stands for.

    Empty when the name is not a collective, or when no such level lies below the plan's
    region (a county plan's 各县 names nobody but itself).
    """
    norm = normalize_name(name)
    own = level_of(plan_region)
    for pattern, levels in _PATTERNS:
        if pattern.match(norm):
            wanted: tuple[Level, ...] = levels or ((_BELOW[own],) if own in _BELOW else ())
            return tuple(lv for lv in wanted if _DEPTH[lv] > _DEPTH[own])
    return ()


def is_collective(name: str) -> bool:
    """Whether a unit's name stands for every region of some level (whatever the plan)."""
    norm = normalize_name(name)
    return any(pattern.match(norm) for pattern, _ in _PATTERNS)
