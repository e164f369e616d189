"""GB/T 2260 region codes: the hierarchy is read from the code itself.

Province ``XX0000`` ⊃ city ``XXYY00`` ⊃ county ``XXYYZZ``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import StringConstraints

Level = Literal["province", "city", "county"]
REGION_PATTERN = r"^[1-9]\d{5}$"

RegionCode = Annotated[str, StringConstraints(pattern=REGION_PATTERN, min_length=6, max_length=6)]
RegionQuery = Annotated[
    str | None,
    Query(pattern=REGION_PATTERN, description="行政区划代码（GB/T 2260 六位）"),
]


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


def contains(outer: str, inner: str) -> bool:
    """Whether ``inner`` is ``outer`` or lies inside it."""
    level = level_of(outer)
    if level == "province":
        return inner[:2] == outer[:2]
    if level == "city":
        return inner[:4] == outer[:4]
    return inner == outer


def is_child(parent: str, code: str) -> bool:
    """Whether ``code`` is one level directly below ``parent``."""
    return code != parent and parent_of(code) == parent


def prefix_of(code: str) -> str:
    """The code prefix shared by every region inside ``code`` (for LIKE queries)."""
    level = level_of(code)
    return {"province": code[:2], "city": code[:4], "county": code}[level]
