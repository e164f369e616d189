"""Small pieces every domain package of this service uses."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import ColumnElement, and_, false, or_

# A number as a client may send it: at most 24 digits, 10 after the point, never NaN or infinity.
DecimalIn = Annotated[Decimal, Field(max_digits=24, decimal_places=10, allow_inf_nan=False)]


def granted_pairs(
    indicator_id: Any, region_code: Any, pairs: Iterable[tuple[str, str]]
) -> ColumnElement[bool]:
    """Rows of the (indicator, region) pairs a unit holds a grant for; nothing when it holds
    none."""
    clauses = [and_(indicator_id == i, region_code == r) for i, r in pairs]
    return or_(*clauses) if clauses else false()


# Where this service's import jobs are read: the routers that answer 202 point there (the
# task service's are under /import_jobs; the gateway routes by the first segment).
SHEET_JOBS_PATH = "/api/v1/indicator_import_jobs"
