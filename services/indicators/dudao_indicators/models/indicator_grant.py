from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from dudao_shared.versioning import version_column

from .base import IndicatorsModel, created_at_field, id_field

_version = version_column()


class IndicatorGrant(IndicatorsModel, table=True):
    """Lets one unit report one indicator for one region (and see it)."""

    __tablename__: ClassVar[str] = "indicator_grant"
    __table_args__ = (
        UniqueConstraint("unit_id", "indicator_id", "region_code", name="uq_indicator_grant"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _version}

    id: str = id_field()
    unit_id: str = Field(max_length=64, index=True)
    indicator_id: str = Field(
        max_length=36, foreign_key="indicator.id", ondelete="CASCADE", index=True
    )
    region_code: str = Field(max_length=6)
    granted_by: str = Field(max_length=128)
    version: int = Field(default=1, sa_column=_version)
    created_at: datetime = created_at_field()
