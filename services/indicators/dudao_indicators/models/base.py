"""This service's own SQLModel registry, so its tables never meet another service's, and the
column helpers every table of it uses (versions: ``dudao_shared.versioning.version_column``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import DateTime, Table, inspect
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from dudao_shared.clock import utcnow


class IndicatorsModel(SQLModel, registry=registry()):
    pass


metadata = IndicatorsModel.metadata


def new_id() -> str:
    return str(uuid.uuid4())


def id_field(**kw: Any) -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=36, **kw)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for statements written in SQLAlchemy Core."""
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table
