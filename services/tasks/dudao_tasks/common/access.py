"""Who may do what, decided in one place: roles, the unit claim and the planner's region."""

from __future__ import annotations

import uuid

from dudao_shared.auth import Principal
from dudao_shared.errors import Forbidden
from dudao_shared.regions import can_write_region


class OutOfRegion(Forbidden):
    code, title = "region_forbidden", "不在本人负责的行政区划内"


def principal_unit(principal: Principal) -> uuid.UUID | None:
    """The unit a unit token acts for; a malformed claim reaches nothing."""
    if not principal.is_unit or not principal.unit_id:
        return None
    try:
        return uuid.UUID(principal.unit_id)
    except ValueError:
        return None


def unit_scope(principal: Principal) -> uuid.UUID | None:
    """For unit tokens the only unit they reach (a random id when the claim is malformed)."""
    if not principal.is_unit:
        return None
    return principal_unit(principal) or uuid.uuid4()


def require_region(principal: Principal, region_code: str | None) -> None:
    if not can_write_region(principal, region_code):
        raise OutOfRegion(f"区划 {region_code} 不在您的权限范围内")
