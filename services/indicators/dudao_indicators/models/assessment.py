from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Index, Numeric, UniqueConstraint
from sqlmodel import Field

from .base import IndicatorsModel, created_at_field, id_field


class Assessment(IndicatorsModel, table=True):
    """The current assessment of an indicator in a region, with what produced it.

    One row per (indicator, region) that has measurements; rewritten whenever a measurement
    of that pair changes, so it also lists the regions that report an indicator.
    """

    __tablename__: ClassVar[str] = "assessment"
    __table_args__ = (
        UniqueConstraint("indicator_id", "region_code", name="uq_assessment_indicator_region"),
        Index("ix_assessment_plan_region", "plan_id", "region_code"),
    )

    id: str = id_field()
    indicator_id: str = Field(max_length=36, foreign_key="indicator.id", ondelete="CASCADE")
    plan_id: str = Field(max_length=64)
    region_code: str = Field(max_length=6)
    status: str = Field(max_length=24)
    score: Decimal | None = Field(default=None, sa_type=Numeric())
    method: str = Field(max_length=20)
    ratio: Decimal | None = Field(default=None, sa_type=Numeric())
    baseline_year: float | None = Field(default=None)
    baseline_value: Decimal | None = Field(default=None, sa_type=Numeric())
    latest_period: str | None = Field(default=None, max_length=7)
    latest_value: Decimal | None = Field(default=None, sa_type=Numeric())
    target_year: int | None = Field(default=None)
    target_value: Decimal | None = Field(default=None, sa_type=Numeric())
    target_id: str | None = Field(default=None, max_length=36)
    components: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    computed_at: datetime = created_at_field()
