"""Region codes nest by prefix (GB/T 2260): 360000 ⊃ 360100 ⊃ 360112.

Every service decides "may this planner act here" the same way, so the rule lives here.
"""

from __future__ import annotations

from .auth import Principal


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


def can_write_region(principal: Principal, region_code: str | None) -> bool:
    """Admins everywhere; planners within their region; nobody else."""
    if principal.is_admin:
        return True
    return principal.role == "planner" and region_covers(principal.region_code, region_code)
