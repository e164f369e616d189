"""The parsed plan: what the importer makes of one policy document (tests/importer/spec/parsed-plan.md).

It is the contract between the importer (which produces it), the task service's plan import and
the indicator service's ``/indicators/parsed`` route (which read it). It lives here, not in the
importer, so that reading it pulls in no PDF or Word libraries.

Fields the importer leaves out stay out of the JSON: dump with ``exclude_unset=True``
(``ParsedPlan.to_json``), so a section has no ``units`` key and an indicator with one target
column no ``milestones``. Spans are ``[start, end]`` character offsets into ``ParsedPlan.text``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Baseline",
    "Comparator",
    "DeadlineSource",
    "IndicatorRow",
    "IndicatorTarget",
    "ItemKind",
    "KeyListRow",
    "Milestone",
    "Nature",
    "ParsedDocument",
    "ParsedPlan",
    "ParseWarning",
    "Period",
    "PlanItem",
    "Span",
    "TargetKind",
    "TextTarget",
    "UnitRef",
]

Span = tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]]
Number = int | float
Comparator = Literal[">=", "<=", "~", "=", ">", "<", "between"]
TargetKind = Literal["absolute", "relative", "annual_change", "qualitative"]
ItemKind = Literal["section", "task", "project"]
Nature = Literal["预期性", "约束性", "倡导性"]
Year = Annotated[int, Field(ge=1900, le=2200)]


class _Part(BaseModel):
    # A misspelt field is a fault of the sender, not something to ignore.
    model_config = ConfigDict(extra="forbid")


class Period(_Part):
    """The years the plan covers; either end null when nothing supports a year."""

    start: Year | None = None
    end: Year | None = None


class ParsedDocument(_Part):
    title: str | None = Field(None, description="规划标题")
    doc_number: str | None = Field(None, description="文号")
    issuer: str | None = Field(None, description="发文机关")
    issued_on: dt.date | None = Field(None, description="成文日期")
    period: Period = Field(default_factory=Period, description="规划期")


class UnitRef(_Part):
    name: str = Field(min_length=1, description="责任单位（文中写法，已规范）")
    role: Literal["lead", "co"]


class DeadlineSource(_Part):
    """The words a deadline was read from."""

    date: dt.date
    text: str
    span: Span


class PlanItem(_Part):
    code: str = Field(min_length=1, description="编号路径，如 二.(一).1")
    title: str
    kind: ItemKind
    span: Span | None = None
    units: list[UnitRef] = Field(default_factory=list)
    units_span: Span | None = None
    deadlines: list[dt.date] = Field(default_factory=list)
    deadline_sources: list[DeadlineSource] = Field(default_factory=list)
    units_from: Literal["key_list"] | None = Field(
        None, description="单位取自附表（任务分工表）而非条目正文"
    )


class Baseline(_Part):
    year: Year | None = None
    value: Number | None = None


class IndicatorTarget(_Part):
    year: Year | None = None
    kind: TargetKind = "absolute"
    comparator: Comparator | None = None
    value: Number | None = None
    implied: bool = False
    text: str = Field("", description="目标单元格原文")
    value_max: Number | None = None
    unit: str | None = Field(None, description="变化量的单位（relative / annual_change）")


class Milestone(_Part):
    year: Year | None = None
    comparator: Comparator | None = None
    value: Number | None = None
    text: str = ""


class IndicatorRow(_Part):
    """One row of a 主要指标 table."""

    domain: str | None = None
    seq: str | None = None
    name: str = Field(min_length=1)
    parent: str | None = Field(None, description="“其中”行的上级指标名称")
    unit: str | None = None
    baseline: Baseline = Field(default_factory=Baseline)
    target: IndicatorTarget = Field(default_factory=IndicatorTarget)
    nature: Nature | None = None
    span: Span | None = None
    milestones: list[Milestone] = Field(default_factory=list)


class TextTarget(_Part):
    """A quantitative target stated in running text."""

    item: str | None = Field(None, description="所在条目编号；目标部分为 null")
    name: str
    comparator: Comparator
    value: Number
    unit: str | None = None
    year: Year | None = None
    value_max: Number | None = None
    span: Span | None = None


class KeyListRow(_Part):
    """One row of an attached 重点工作清单 / 任务分工表."""

    no: str
    title: str = Field(min_length=1)
    target_text: str | None = None
    units: list[str] = Field(default_factory=list, description="牵头单位在前")
    due: str | None = Field(None, description="完成时限，如 2023 或 2023-06")
    span: Span | None = None


class ParseWarning(_Part):
    code: str
    message: str
    span: Span | None = None


class ParsedPlan(_Part):
    document: ParsedDocument = Field(default_factory=ParsedDocument)
    items: list[PlanItem] = Field(default_factory=list)
    indicators: list[IndicatorRow] = Field(default_factory=list)
    targets: list[TextTarget] = Field(default_factory=list)
    key_list: list[KeyListRow] = Field(default_factory=list)
    warnings: list[ParseWarning] = Field(default_factory=list)
    text: str = Field("", description="规范化后的正文（spans 以此为准）")
    source_name: str | None = None

    def to_json(self, *, indent: int | None = None, with_text: bool = True) -> str:
        """The interchange JSON: only the fields the importer set, Chinese unescaped."""
        exclude = None if with_text else {"text"}
        return self.model_dump_json(exclude_unset=True, indent=indent, exclude=exclude)
