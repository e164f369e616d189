"""Time: timestamps are stored in UTC; "today" is China local time and injectable in tests.

Inside one process tests override ``today_dependency`` or use time-machine. Across processes (the
services and the worker started by end-to-end tests and demos) the clock is moved with a file:
``DUDAO_CLOCK_FILE`` names a file holding an offset in seconds that every ``utcnow()`` and
``get_today()`` adds to the real time (``set_clock_offset`` writes it). Without that variable
the clock is the real one; production never sets it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends
from pydantic import BeforeValidator

# Deadlines are dates in Jiangxi; a UTC "today" would turn lights red eight hours early.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

CLOCK_FILE_ENV = "DUDAO_CLOCK_FILE"


class _Offset:
    """The offset in the clock file, read again only when the file changes."""

    def __init__(self) -> None:
        self.path = os.environ.get(CLOCK_FILE_ENV) or None
        self.stamp: tuple[int, int] | None = None
        self.value = dt.timedelta(0)

    def get(self) -> dt.timedelta:
        if self.path is None:
            return dt.timedelta(0)
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_ino)
        except OSError:
            return dt.timedelta(0)
        if stamp != self.stamp:
            try:
                self.value = dt.timedelta(seconds=float(Path(self.path).read_text().strip() or 0))
            except (OSError, ValueError):
                self.value = dt.timedelta(0)
            self.stamp = stamp
        return self.value


_offset = _Offset()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + _offset.get()


def get_today() -> dt.date:
    return utcnow().astimezone(LOCAL_TZ).date()


async def today_dependency() -> dt.date:
    """The clock dependency: tests override it with ``app.dependency_overrides``. A coroutine
    function, so FastAPI calls it inline instead of handing it to its thread pool."""
    return get_today()


def set_clock_offset(path: Path, offset: dt.timedelta) -> None:
    """Move the clock of every process started with ``DUDAO_CLOCK_FILE=path``. The file is
    replaced whole, so a reader never sees half a number."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{offset.total_seconds()}\n")
    os.replace(tmp, path)


Today = Annotated[dt.date, Depends(today_dependency)]


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
