"""The unit a unit token acts for: the one scope every loader filters by."""

from __future__ import annotations

import uuid

from dudao_shared.auth import Principal


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
