"""Time: timestamps are stored in UTC; "today" is China local time and injectable in tests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends

# Deadlines are dates in Jiangxi; a UTC "today" would turn lights red eight hours early.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def get_today() -> dt.date:
    """The clock dependency: tests override it with ``app.dependency_overrides``."""
    return dt.datetime.now(LOCAL_TZ).date()


Today = Annotated[dt.date, Depends(get_today)]
