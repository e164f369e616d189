"""Time: timestamps are stored in UTC; "today" is China local time and injectable in tests."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends
from pydantic import BeforeValidator

# Deadlines are dates in Jiangxi; a UTC "today" would turn lights red eight hours early.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def get_today() -> dt.date:
    """The clock dependency: tests override it with ``app.dependency_overrides``."""
    return dt.datetime.now(LOCAL_TZ).date()


Today = Annotated[dt.date, Depends(get_today)]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: object) -> object:
    """A date the client writes is YYYY-MM-DD; pydantic would also take `0` (1970-01-01) or a
    timestamp, which no client means as a date."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
"""A date parameter: only ``YYYY-MM-DD`` (query parameters and body fields alike)."""
