from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field

from dudao_shared.decimals import DecimalNumber
from dudao_shared.regions import RegionCode

from ..common import DecimalIn
from ..periods import PERIOD_PATTERN

MeasurementStatus = Literal["draft", "submitted", "approved"]
PeriodCode = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN, max_length=7)]


class MeasurementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator_id: str = Field(max_length=36, description="指标标识")
    region_code: RegionCode = Field(description="行政区划代码")
    period: PeriodCode = Field(description="统计期：2025（年）、2025Q1（季）、2025-03（月）")
    value: DecimalIn = Field(description="监测值，按填报原样保存")
    numerator_value: DecimalIn | None = Field(None, description="分子值（率类指标，可选）")
    denominator_value: DecimalIn | None = Field(None, description="分母值（率类指标，可选）")
    source: str | None = Field(None, max_length=300, description="数据来源")
    reporting_unit_id: str | None = Field(
        None, max_length=64, description="填报单位（单位令牌填报时为令牌中的单位）"
    )
    note: str | None = Field(None, max_length=2000, description="说明；进度滞后的报送须说明原因")
    submit: bool = Field(False, description="直接报送（否则保存为草稿）")


class MeasurementUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: DecimalIn | None = Field(None, description="更正后的值")
    numerator_value: DecimalIn | None = None
    denominator_value: DecimalIn | None = None
    source: str | None = Field(None, max_length=300)
    note: str | None = Field(None, max_length=2000)
    reason: str | None = Field(
        None, min_length=1, max_length=2000, description="更正原因（修改数值时必填）"
    )


class MeasurementRead(BaseModel):
    id: str
    indicator_id: str
    region_code: str
    period: str
    period_end: date
    value: DecimalNumber
    numerator_value: DecimalNumber | None
    denominator_value: DecimalNumber | None
    source: str | None
    reporting_unit_id: str | None
    reported_by: str | None
    note: str | None
    status: MeasurementStatus
    submitted_at: datetime | None
    approved_at: datetime | None
    approved_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field(description="监测值的原样文本（保留填报的小数位，如 5.20）")  # type: ignore[prop-decorator]
    @property
    def value_text(self) -> str:
        return format(self.value, "f")


class CorrectionRead(BaseModel):
    id: str
    measurement_id: str
    old_value: DecimalNumber
    new_value: DecimalNumber
    old_status: str
    reason: str
    corrected_by: str
    corrected_at: datetime


class LatestValue(BaseModel):
    region_code: str
    measurement_id: str
    period: str
    value: DecimalNumber
    status: MeasurementStatus


class LatestValues(BaseModel):
    indicator_id: str
    items: list[LatestValue]
