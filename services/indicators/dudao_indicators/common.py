"""Small pieces every domain package of this service uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

# A number as a client may send it: at most 24 digits, 10 after the point, never NaN or infinity.
DecimalIn = Annotated[Decimal, Field(max_digits=24, decimal_places=10, allow_inf_nan=False)]
