from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Date, DateTime, Index, Numeric, UniqueConstraint
from sqlmodel import Field

from dudao_shared.versioning import version_column

from .base import IndicatorsModel, created_at_field, id_field

_version = version_column()


class Measurement(IndicatorsModel, table=True):
    """One value of an indicator for a region and period, exactly as entered."""

    __tablename__: ClassVar[str] = "measurement"
    __table_args__ = (
        UniqueConstraint("indicator_id", "region_code", "period", name="uq_measurement_period"),
        # The "latest value per region" path: one index probe per (indicator, region);
        # ORDER BY period_end DESC LIMIT 1 walks this btree backwards, as fast as a DESC one.
        Index("ix_measurement_latest", "indicator_id", "region_code", "period_end"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _version}

    id: str = id_field()
    indicator_id: str = Field(max_length=36, foreign_key="indicator.id", ondelete="CASCADE")
    region_code: str = Field(max_length=6)
    period: str = Field(max_length=7)
    period_end: date = Field(sa_type=Date)
    value: Decimal = Field(sa_type=Numeric())
    numerator_value: Decimal | None = Field(default=None, sa_type=Numeric())
    denominator_value: Decimal | None = Field(default=None, sa_type=Numeric())
    source: str | None = Field(default=None, max_length=300)
    reporting_unit_id: str | None = Field(default=None, max_length=64)
    reported_by: str | None = Field(default=None, max_length=128)
    note: str | None = Field(default=None, max_length=2000)
    status: str = Field(default="draft", max_length=10)
    submitted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    approved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    approved_by: str | None = Field(default=None, max_length=128)
    version: int = Field(default=1, sa_column=_version)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class MeasurementCorrection(IndicatorsModel, table=True):
    """A changed value: the old one and why it changed (更正记录)."""

    __tablename__: ClassVar[str] = "measurement_correction"

    id: str = id_field()
    measurement_id: str = Field(
        max_length=36, foreign_key="measurement.id", ondelete="CASCADE", index=True
    )
    old_value: Decimal = Field(sa_type=Numeric())
    new_value: Decimal = Field(sa_type=Numeric())
    old_status: str = Field(max_length=10)
    reason: str = Field(max_length=2000)
    corrected_by: str = Field(max_length=128)
    corrected_at: datetime = created_at_field()
