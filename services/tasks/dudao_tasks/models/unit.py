from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field

from dudao_shared.clock import utcnow
from dudao_shared.versioning import version_column

from .base import TasksModel

_unit_version = version_column()


class Unit(TasksModel, table=True):
    """A responsible organisation (责任单位). Renamed or merged units are closed, not deleted."""

    __tablename__ = "unit"
    __table_args__ = (
        sa.UniqueConstraint("region_code", "name", name="uq_unit_region_name"),
        # One per order of the unit list (``units.service.ORDERS``), ending in the id as the
        # keyset does: a page of a province's 30,000 units reads its rows, not all of them.
        sa.Index("ix_unit_name", "name", "id"),
        sa.Index("ix_unit_created", "created_at", "id"),
        sa.Index("ix_unit_region_id", "region_code", "id"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _unit_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    full_name: str | None = Field(default=None, max_length=200)
    level: str = Field(max_length=20)
    region_code: str = Field(max_length=6, index=True)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    uscc: str | None = Field(default=None, max_length=18)
    active_from: dt.date | None = None
    active_until: dt.date | None = None
    successor_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    # Bumped by SQLAlchemy on every UPDATE, which also checks it (optimistic concurrency).
    version: int = Field(default=1, sa_column=_unit_version)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"onupdate": utcnow},
    )


class UnitAlias(TasksModel, table=True):
    """Another name of a unit (简称 / 别名); unique within a region so resolving is unambiguous."""

    __tablename__ = "unit_alias"
    __table_args__ = (sa.UniqueConstraint("region_code", "alias", name="uq_unit_alias_region"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", ondelete="CASCADE", index=True)
    region_code: str = Field(max_length=6)
    alias: str = Field(max_length=100)
