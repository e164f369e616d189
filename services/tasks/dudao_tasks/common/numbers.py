"""Decimals travel as JSON numbers without float noise."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer


def _as_json_number(value: Decimal) -> int | float:
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return int(normal)
    # float() of a short decimal round-trips to its shortest repr: 37.5 stays 37.5.
    return float(normal)


DecimalNumber = Annotated[
    Decimal, PlainSerializer(_as_json_number, return_type=float, when_used="json")
]
