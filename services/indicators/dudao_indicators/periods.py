"""Statistical periods: ``2025`` (year), ``2025Q1`` (quarter), ``2025-03`` (month)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

PERIOD_PATTERN = r"^\d{4}(?:Q[1-4]|-(?:0[1-9]|1[0-2]))?$"
_RE = re.compile(r"^(\d{4})(?:Q([1-4])|-(\d{2}))?$")

Granularity = Literal["year", "quarter", "month"]


@dataclass(frozen=True, slots=True)
class Period:
    code: str
    year: int
    granularity: Granularity
    end: date

    @property
    def start(self) -> date:
        """The first day of the period: a value for it can exist from then on."""
        months = {"year": 12, "quarter": 3, "month": 1}[self.granularity]
        return date(self.year, self.end.month - months + 1, 1)

    @property
    def time(self) -> float:
        """Position on the year axis of the assessment: a year's value counts at that year;
        a quarter or month counts at the fraction of its year elapsed (2025Q1 → 2024.25)."""
        if self.granularity == "year":
            return float(self.year)
        return self.year - 1 + self.end.month / 12


def parse_period(code: str) -> Period:
    m = _RE.match(code)
    if not m:
        raise ValueError(f"无法识别的统计期：{code}")
    year = int(m.group(1))
    if m.group(2):
        q = int(m.group(2))
        month = q * 3
        gran: Granularity = "quarter"
    elif m.group(3):
        month = int(m.group(3))
        gran = "month"
    else:
        month, gran = 12, "year"
    end = date(year, month, calendar.monthrange(year, month)[1])
    return Period(code=code, year=year, granularity=gran, end=end)
