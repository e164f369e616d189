"""Region codes nest by prefix (GB/T 2260): 360000 ⊃ 360100 ⊃ 360112."""

from __future__ import annotations


def region_prefix(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_covers(scope: str | None, code: str | None) -> bool:
    """Whether a principal scoped to ``scope`` (None = province-wide) reaches ``code``."""
    if scope is None or scope == "":
        return True
    if code is None:
        return False
    return code.startswith(region_prefix(scope))
