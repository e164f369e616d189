"""Decimals: stored exactly (NUMERIC without scale), sent as JSON numbers without float noise."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer
from sqlalchemy import Numeric
from sqlmodel import Field


def to_json_number(value: Decimal) -> int | float:
    """An integral value goes out as an integer, anything else as the shortest float that reads
    back to the same digits (37.5 stays 37.5, never 37.50000000001)."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return int(normal)
    return float(normal)


def plain(value: Decimal) -> str:
    """The digits a person wrote, without exponent or trailing zeros: ``95.0000`` → ``95``."""
    return f"{value.normalize():f}"


def printed(value: Decimal) -> str:
    """A value for print, with the decimals a person wrote (``5.0``, ``5.20``, ``0.5``) but
    without a run of trailing zeros that a conversion added on the way (``95.0000000000`` →
    ``95``, ``7.2500000000`` → ``7.25``): nobody writes three trailing zeros by hand."""
    text = f"{value:f}"
    if "." in text:
        whole, frac = text.split(".")
        if len(frac) - len(frac.rstrip("0")) >= 3:
            frac = frac.rstrip("0")
            text = f"{whole}.{frac}" if frac else whole
    return text


DecimalNumber = Annotated[
    Decimal, PlainSerializer(to_json_number, return_type=int | float, when_used="json")
]


def decimal_field(*, default: Any = None, nullable: bool = True, **kw: Any) -> Any:
    """A NUMERIC column without scale: PostgreSQL keeps the digits exactly as entered."""
    return Field(default=default, sa_type=Numeric(), nullable=nullable, **kw)
