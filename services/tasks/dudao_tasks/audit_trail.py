"""The audit trail's writer: every service that changes data records the change here."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession

from dudao_shared.auth import Principal
from dudao_shared.clock import utcnow
from dudao_shared.context import request_id_var

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def _uuid_or_none(raw: str | None) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _fields(
    principal: Principal,
    entity: str,
    entity_id: uuid.UUID,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    plan_id: uuid.UUID | None,
    task_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
) -> dict[str, Any]:
    return {
        "actor_sub": principal.sub[:200],
        "actor_role": principal.role,
        "actor_unit_id": _uuid_or_none(principal.unit_id),
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "plan_id": plan_id,
        "task_id": task_id,
        "unit_id": unit_id,
        "before": _jsonable(before) if before is not None else None,
        "after": _jsonable(after) if after is not None else None,
        "request_id": request_id_var.get(),
    }


def record(
    session: AsyncSession,
    *,
    principal: Principal,
    entity: str,
    entity_id: uuid.UUID,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    plan_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
) -> AuditEvent:
    event = AuditEvent(
        **_fields(principal, entity, entity_id, action, before, after, plan_id, task_id, unit_id)
    )
    session.add(event)
    return event


# The chain columns (seq, prev_hash, hash) are the insert trigger's to set.
_AUDIT_TABLE: Any = AuditEvent.__table__  # type: ignore[attr-defined]
_WRITTEN = (
    "id",
    "at",
    "actor_sub",
    "actor_role",
    "actor_unit_id",
    "entity",
    "entity_id",
    "action",
    "plan_id",
    "task_id",
    "unit_id",
    "before",
    "after",
    "request_id",
)


def insert_after(changed: Any) -> Any:
    """An audit INSERT that writes its row only if the statement ``changed`` (a CTE of an
    UPDATE … RETURNING) changed one: for a hot path that makes its change and its record in one
    statement. Its values are the parameters ``audit_<column>`` (see :func:`audit_params`)."""
    values = sa_select(
        *(bindparam(f"audit_{name}", type_=_AUDIT_TABLE.c[name].type) for name in _WRITTEN)
    ).select_from(changed)
    return insert(_AUDIT_TABLE).from_select(list(_WRITTEN), values)


def audit_params(
    *,
    principal: Principal,
    entity: str,
    entity_id: uuid.UUID,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    plan_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The same row as :func:`record`, as the parameters of :func:`insert_after`."""
    values = _fields(principal, entity, entity_id, action, before, after, plan_id, task_id, unit_id)
    values["id"] = uuid.uuid4()
    values["at"] = utcnow()
    return {f"audit_{name}": value for name, value in values.items()}
