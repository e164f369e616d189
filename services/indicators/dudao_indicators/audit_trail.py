"""The indicator service's audit trail: every change to an indicator, target, grant or
measurement is recorded with who, when, before and after.

Recorded at flush time from the session's own change tracking, so no write path (single
routes, bulk imports, the parsed-plan loader) can change an audited row without its event: the
event joins the same flush and the same transaction, and a failed audit insert rolls the change
back. The rows are hash-chained by the database (``dudao_shared.audit_chain``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from dudao_shared.auth import principal_var
from dudao_shared.context import request_id_var

from .models import AuditEvent, Indicator, IndicatorGrant, Measurement, Target

AUDITED: dict[type[Any], str] = {
    Indicator: "indicator",
    Target: "target",
    IndicatorGrant: "grant",
    Measurement: "measurement",
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _columns(obj: Any) -> list[str]:
    return [a.key for a in inspect(obj).mapper.column_attrs]


def _snapshot(obj: Any) -> dict[str, Any]:
    return {k: _jsonable(getattr(obj, k)) for k in _columns(obj)}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before and after of the columns this flush changes."""
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                before[key], after[key] = _jsonable(old), _jsonable(new)
    return before, after


def _indicator_of(obj: Any) -> tuple[str | None, str | None]:
    if isinstance(obj, Indicator):
        return obj.id, obj.plan_id
    return getattr(obj, "indicator_id", None), None


def _event(obj: Any, action: str, before: Any, after: Any) -> AuditEvent:
    principal = principal_var.get()
    indicator_id, plan_id = _indicator_of(obj)
    return AuditEvent(
        actor_sub=(principal.sub if principal else "system")[:200],
        actor_role=principal.role if principal else "system",
        actor_unit_id=principal.unit_id if principal else None,
        entity=AUDITED[type(obj)],
        entity_id=str(obj.id),
        action=action,
        indicator_id=indicator_id,
        plan_id=plan_id,
        region_code=getattr(obj, "region_code", None),
        before=before,
        after=after,
        request_id=request_id_var.get(),
    )


@event.listens_for(Session, "before_flush")
def _record(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    events: list[AuditEvent] = []
    for obj in session.new:
        if type(obj) in AUDITED:
            events.append(_event(obj, "create", None, _snapshot(obj)))
    for obj in session.dirty:
        if type(obj) in AUDITED and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                events.append(_event(obj, "update", before, after))
    for obj in session.deleted:
        if type(obj) in AUDITED:
            events.append(_event(obj, "delete", _snapshot(obj), None))
    session.add_all(events)
