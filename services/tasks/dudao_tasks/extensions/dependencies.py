"""Loading extension requests, and every authorisation an extension route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement
from sqlmodel import select

from dudao_shared.auth import CurrentPrincipal, StaffWriter
from dudao_shared.db import SessionDep
from dudao_shared.regions import require_region

from ..common.ids import parse_id
from ..models import ExtensionRequest, Plan
from ..policy import own_rows
from .service import ExtensionNotFound


async def visible_extensions(principal: CurrentPrincipal) -> ColumnElement[bool]:
    """Staff see the requests of plans in their region; a unit only its own."""
    return own_rows(principal, ExtensionRequest.plan_id, ExtensionRequest.unit_id)


VisibleExtensions = Annotated[ColumnElement[bool], Depends(visible_extensions)]


async def readable_extension(
    extension_id: str, visible: VisibleExtensions, session: SessionDep
) -> ExtensionRequest:
    """A request the caller may read (404 for the rest)."""
    eid = parse_id(extension_id, ExtensionNotFound())
    row = (
        await session.execute(select(ExtensionRequest).where(ExtensionRequest.id == eid, visible))
    ).scalar_one_or_none()
    if row is None:
        raise ExtensionNotFound()
    return row


ReadableExtension = Annotated[ExtensionRequest, Depends(readable_extension)]


async def decidable_extension(
    principal: StaffWriter, request: ReadableExtension, session: SessionDep
) -> ExtensionRequest:
    """A request a staff writer may decide: its plan lies in the writer's region."""
    region = await session.scalar(select(Plan.region_code).where(Plan.id == request.plan_id))
    require_region(principal, region)
    return request


DecidableExtension = Annotated[ExtensionRequest, Depends(decidable_extension)]
