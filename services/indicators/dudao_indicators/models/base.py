"""This service's own SQLModel registry, so its tables never meet another service's, and the
column helpers every table of it uses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Integer, Table, inspect
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class IndicatorsModel(SQLModel, registry=registry()):
    pass


metadata = IndicatorsModel.metadata


def new_id() -> str:
    return str(uuid.uuid4())


def id_field(**kw: Any) -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=36, **kw)


def created_at_field() -> Any:
    return Field(
        default_factory=lambda: datetime.now(UTC), sa_type=DateTime(timezone=True), nullable=False
    )


def version_column() -> Column[int]:
    """A ``version`` column for ``__mapper_args__["version_id_col"]``: every UPDATE then runs
    ``… WHERE id = ? AND version = ?`` and bumps it, so of concurrent writers holding the same
    ETag exactly one wins and the rest get 412."""
    return Column("version", Integer, nullable=False)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for statements written in SQLAlchemy Core."""
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table
