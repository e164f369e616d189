"""Region codes (GB/T 2260) and the one region rule every service applies.

The hierarchy is read from the code itself: province ``XX0000`` ⊃ city ``XXYY00`` ⊃ county
``XXYYZZ`` (360000 ⊃ 360100 ⊃ 360112). Every service decides "may this planner act here" the
same way, so the rule and its error live here.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import Query
from pydantic import StringConstraints

from .auth import Principal
from .errors import Forbidden

Level = Literal["province", "city", "county"]
REGION_PATTERN = r"^[1-9]\d{5}$"

RegionCode = Annotated[str, StringConstraints(pattern=REGION_PATTERN, min_length=6, max_length=6)]
RegionQuery = Annotated[
    str | None,
    Query(pattern=REGION_PATTERN, description="行政区划代码（GB/T 2260 六位）"),
]


_REGION_RE = re.compile(REGION_PATTERN)


def is_region_code(text: str) -> bool:
    return bool(_REGION_RE.match(text))


def level_of(code: str) -> Level:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def parent_of(code: str) -> str | None:
    level = level_of(code)
    if level == "province":
        return None
    if level == "city":
        return code[:2] + "0000"
    return code[:4] + "00"


def region_prefix(code: str) -> str:
    """The code prefix shared by every region inside ``code`` (for ``LIKE 'prefix%'``)."""
    return {"province": code[:2], "city": code[:4], "county": code}[level_of(code)]


def contains(outer: str, inner: str) -> bool:
    """Whether ``inner`` is ``outer`` or lies inside it."""
    return inner.startswith(region_prefix(outer))


def is_child(parent: str, code: str) -> bool:
    """Whether ``code`` is one level directly below ``parent``."""
    return code != parent and parent_of(code) == parent


def region_covers(scope: str | None, code: str | None) -> bool:
    """Whether a principal scoped to ``scope`` (None = province-wide) reaches ``code``."""
    if not scope:
        return True
    if code is None:
        return False
    return contains(scope, code)


def can_write_region(principal: Principal, region_code: str | None) -> bool:
    """Admins everywhere; planners within their region; nobody else."""
    if principal.is_admin:
        return True
    return principal.role == "planner" and region_covers(principal.region_code, region_code)


class OutOfRegion(Forbidden):
    code, title = "region_forbidden", "不在本人负责的行政区划内"


def require_region(principal: Principal, region_code: str | None) -> None:
    """403 ``region_forbidden`` unless the principal may write in ``region_code``."""
    if not can_write_region(principal, region_code):
        raise OutOfRegion(f"区划 {region_code} 不在您的权限范围内")
