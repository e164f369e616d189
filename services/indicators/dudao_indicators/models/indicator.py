from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Boolean, Index, Numeric, UniqueConstraint
from sqlmodel import Field

from dudao_shared.versioning import version_column

from .base import IndicatorsModel, created_at_field, id_field

_version = version_column()


class Indicator(IndicatorsModel, table=True):
    """A measured quantity of a plan (a row of its 主要指标表, or a target written in a task)."""

    __tablename__: ClassVar[str] = "indicator"
    __table_args__ = (
        UniqueConstraint("plan_id", "code", name="uq_indicator_plan_code"),
        Index("ix_indicator_plan_position", "plan_id", "position"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _version}

    id: str = id_field()
    plan_id: str = Field(max_length=64)
    item_id: str | None = Field(default=None, max_length=64)
    # The plan's region: planners of that region (or above it) may change the indicator.
    region_code: str = Field(max_length=6)
    code: str = Field(max_length=64)
    seq: str | None = Field(default=None, max_length=16)
    position: int = Field(default=0)
    name: str = Field(max_length=300)
    domain: str | None = Field(default=None, max_length=100)
    measure_unit: str | None = Field(default=None, max_length=30)
    direction: str = Field(max_length=20)
    direction_source: str = Field(default="explicit", max_length=20)
    nature: str = Field(max_length=20)
    definition: str | None = Field(default=None, max_length=4000)
    numerator: str | None = Field(default=None, max_length=500)
    denominator: str | None = Field(default=None, max_length=500)
    factor: Decimal | None = Field(default=None, sa_type=Numeric())
    aggregation: str = Field(default="none", max_length=10)
    parent_id: str | None = Field(
        default=None, max_length=36, foreign_key="indicator.id", ondelete="RESTRICT"
    )
    allow_out_of_range: bool = Field(default=False, sa_type=Boolean)
    limit_value: Decimal | None = Field(default=None, sa_type=Numeric())
    threshold_on_track: Decimal = Field(default=Decimal("0.95"), sa_type=Numeric())
    threshold_moderate: Decimal = Field(default=Decimal("0.60"), sa_type=Numeric())
    threshold_regress: Decimal = Field(default=Decimal("0"), sa_type=Numeric())
    version: int = Field(default=1, sa_column=_version)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
