from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Numeric, UniqueConstraint
from sqlmodel import Field

from dudao_shared.versioning import version_column

from .base import IndicatorsModel, created_at_field, id_field

_version = version_column()


class Target(IndicatorsModel, table=True):
    """What a plan asks of an indicator, for all regions, one level, or one region.

    ``scope`` keeps one target per indicator and scope: ``all``, ``level:city``, ``region:360900``.
    Relative and annual-change targets keep their rule (``value`` + ``rule_unit``) and store the
    number it resolves to in ``resolved_value`` once a baseline is known.
    """

    __tablename__: ClassVar[str] = "target"
    __table_args__ = (UniqueConstraint("indicator_id", "scope", name="uq_target_indicator_scope"),)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _version}

    id: str = id_field()
    indicator_id: str = Field(
        max_length=36, foreign_key="indicator.id", ondelete="CASCADE", index=True
    )
    plan_id: str = Field(max_length=64, index=True)
    scope: str = Field(max_length=20)
    region_code: str | None = Field(default=None, max_length=6)
    level: str | None = Field(default=None, max_length=10)
    baseline_year: int | None = Field(default=None)
    baseline_value: Decimal | None = Field(default=None, sa_type=Numeric())
    target_year: int | None = Field(default=None)
    kind: str = Field(max_length=20)
    comparator: str | None = Field(default=None, max_length=10)
    value: Decimal | None = Field(default=None, sa_type=Numeric())
    value_max: Decimal | None = Field(default=None, sa_type=Numeric())
    rule_unit: str | None = Field(default=None, max_length=20)
    tolerance: Decimal | None = Field(default=None, sa_type=Numeric())
    resolved_value: Decimal | None = Field(default=None, sa_type=Numeric())
    implied: bool = Field(default=False, sa_type=Boolean)
    text: str | None = Field(default=None, max_length=500)
    # [{"year": 2023, "value": "3.5", "comparator": ">=", "text": "3.5个"}]; values as strings
    # so JSON never rounds them.
    milestones: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    version: int = Field(default=1, sa_column=_version)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
