"""Loading units, and every authorisation a unit route needs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement
from sqlmodel import col

from dudao_shared.auth import CurrentPrincipal, Staff, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.errors import ValidationFailed
from dudao_shared.regions import OutOfRegion, require_region

from ..common.access import unit_scope
from ..common.ids import parse_id
from ..models import Unit
from ..policy import may_read_region, units_reached
from .schemas import ResolveRequest, SuccessionRequest, UnitCreate, UnitUpdate
from .service import UnitNotFound, check_region


def visible_units(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff see the units of their region; a unit token only its own unit."""
    scope = unit_scope(principal)
    return units_reached(principal) if scope is None else col(Unit.id) == scope


VisibleUnits = Annotated[ColumnElement[bool], Depends(visible_units)]


async def readable_unit(unit_id: str, principal: CurrentPrincipal, session: SessionDep) -> Unit:
    """Load a unit the caller may see: a unit token only its own unit, staff those of their
    region."""
    uid = parse_id(unit_id, UnitNotFound())
    scope = unit_scope(principal)
    if scope is not None and scope != uid:
        raise UnitNotFound()
    unit = await session.get(Unit, uid)
    if unit is None or not may_read_region(principal, unit.region_code):
        raise UnitNotFound()
    return unit


ReadableUnit = Annotated[Unit, Depends(readable_unit)]


async def referenced_unit(unit_id: str, session: SessionDep) -> Unit:
    """A unit another service's request names (the service credential and a signed-in caller
    are checked before this): found whatever the caller's region, because the asking service
    decides what its caller may do with a unit elsewhere (403 there, rather than "unknown")."""
    unit = await session.get(Unit, parse_id(unit_id, UnitNotFound()))
    if unit is None:
        raise UnitNotFound()
    return unit


ReferencedUnit = Annotated[Unit, Depends(referenced_unit)]


async def writable_unit(principal: StaffWriter, unit: ReadableUnit) -> Unit:
    """A unit a staff writer may edit: one in the writer's region (403 otherwise)."""
    require_region(principal, unit.region_code)
    return unit


WritableUnit = Annotated[Unit, Depends(writable_unit)]


async def _require_units(
    session: SessionDep, parent_id: uuid.UUID | None, successor_id: uuid.UUID | None
) -> None:
    for field, ref in (("parent_id", parent_id), ("successor_id", successor_id)):
        if ref is not None and await session.get(Unit, ref) is None:
            raise ValidationFailed(
                "引用的单位不存在", errors=[{"field": field, "message": "单位不存在"}]
            )


async def new_unit(principal: StaffWriter, session: SessionDep, body: UnitCreate) -> UnitCreate:
    """A new unit's body with its region authorised and the units it names loaded."""
    check_region(body.region_code)
    require_region(principal, body.region_code)
    await _require_units(session, body.parent_id, body.successor_id)
    return body


async def unit_changes(
    unit: WritableUnit, principal: StaffWriter, session: SessionDep, body: UnitUpdate
) -> UnitUpdate:
    """A unit edit with a new region (the writer's too) and the units it names loaded."""
    if body.region_code is not None and body.region_code != unit.region_code:
        check_region(body.region_code)
        require_region(principal, body.region_code)
    await _require_units(session, body.parent_id, body.successor_id)
    return body


NewUnit = Annotated[UnitCreate, Depends(new_unit)]
UnitChanges = Annotated[UnitUpdate, Depends(unit_changes)]


async def resolve_request(principal: Staff, body: ResolveRequest) -> ResolveRequest:
    """Resolving names reads a region's units: the caller's region only (403 otherwise)."""
    if not may_read_region(principal, body.region_code):
        raise OutOfRegion(f"区划 {body.region_code} 不在您的权限范围内")
    return body


ResolveNames = Annotated[ResolveRequest, Depends(resolve_request)]


async def successor_unit(unit: WritableUnit, body: SuccessionRequest, session: SessionDep) -> Unit:
    """The unit named to carry on the work: it exists, is another unit, and is not retired."""
    successor = await session.get(Unit, body.successor_id)
    problem = None
    if successor is None:
        problem = "承继单位不存在"
    elif successor.id == unit.id:
        problem = "承继单位不能是本单位"
    elif successor.active_until is not None and successor.active_until < body.active_until:
        problem = "承继单位在停用日期前已停用"
    if problem or successor is None:
        raise ValidationFailed(
            problem, errors=[{"field": "successor_id", "message": problem or ""}]
        )
    return successor


SuccessorUnit = Annotated[Unit, Depends(successor_unit)]
