"""GB/T 2260 reference data shipped with the package (Jiangxi: province, cities, counties)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dudao_shared.errors import NotFound, ValidationFailed
from dudao_shared.pagination import decode_cursor, encode_cursor

DATA_FILE = Path(__file__).with_name("jiangxi_regions.json")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None


class RegionNotFound(NotFound):
    code, title = "region_not_found", "行政区划不存在"


@lru_cache(maxsize=1)
def _regions() -> dict[str, Region]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {r["code"]: Region(**r) for r in raw["regions"]}


def all_regions() -> list[Region]:
    return list(_regions().values())


def matching(*, parent_code: str | None, level: str | None, q: str | None) -> list[Region]:
    """The regions under ``parent_code``, at ``level``, whose name contains ``q`` (each if given)."""
    return [
        r
        for r in _regions().values()
        if (parent_code is None or r.parent_code == parent_code)
        and (level is None or r.level == level)
        and (q is None or q in r.name)
    ]


def find(code: str) -> Region | None:
    return _regions().get(code)


def get(code: str) -> Region:
    region = find(code)
    if region is None:
        raise RegionNotFound(f"区划代码 {code[:12]} 不在参考数据中")
    return region


def children(code: str) -> list[Region]:
    get(code)
    return [r for r in _regions().values() if r.parent_code == code]


def exists(code: str) -> bool:
    return code in _regions()


def page(
    regions: list[Region], *, limit: int, cursor: str | None
) -> tuple[list[Region], str | None]:
    """One page of reference regions by code, keyset on the code like every list.

    The reference data ships as a file, not as rows, so the page is cut here rather than by
    the SQL helper; the cursor is the same opaque kind.
    """
    data = decode_cursor(cursor)
    after = data.get("after") if data is not None else None
    if data is not None and not isinstance(after, str):
        raise ValidationFailed(
            "分页游标无效", errors=[{"field": "cursor", "message": "无法识别的游标"}]
        )
    rest = sorted((r for r in regions if after is None or r.code > after), key=lambda r: r.code)
    rows = rest[:limit]
    more = len(rest) > limit
    return rows, encode_cursor({"after": rows[-1].code}) if more else None
