"""Who may read and set reminder rules, press a unit (催办) and read the reminder log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, true
from sqlmodel import col

from dudao_shared.auth import CurrentPrincipal

from ..common.access import unit_scope
from ..models import Reminder


async def visible_reminders(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff see every reminder; a unit only those sent to it."""
    scope = unit_scope(principal)
    return true() if scope is None else col(Reminder.unit_id) == scope


VisibleReminders = Annotated[ColumnElement[bool], Depends(visible_reminders)]
