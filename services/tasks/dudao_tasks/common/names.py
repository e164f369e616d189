"""Unit names as documents print them, reduced to one comparable form."""

from __future__ import annotations

import re

_BRACKETS = str.maketrans(
    {"〔": "（", "〕": "）", "(": "（", ")": "）", "[": "（", "]": "）", "【": "（", "】": "）"}
)
_SPACE = re.compile(r"\s+")


def normalize_name(raw: str) -> str:
    """`县〔区〕卫健委` and `县(区)卫健委` are the same name as `县（区）卫健委`."""
    return _SPACE.sub("", raw.translate(_BRACKETS))
