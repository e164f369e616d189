"""Transitional re-exports: the conventions now live in ``pagination``, ``versioning`` and
``idempotency``. Import from those; this module goes once no service imports it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from .errors import PreconditionFailed
from .idempotency import IdempotencyKey
from .pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from .versioning import etag_for, parse_if_match, set_etag

expected_version = parse_if_match


def check_version(if_match: str | None, current: int) -> None:
    if parse_if_match(if_match) != current:
        raise PreconditionFailed(f"当前版本为 {current}，请刷新后重试")


IfMatch = Annotated[str | None, Header(alias="If-Match", description="读取时得到的 ETag")]

__all__ = [
    "Cursor",
    "IdempotencyKey",
    "IfMatch",
    "Limit",
    "Page",
    "check_version",
    "decode_cursor",
    "encode_cursor",
    "etag_for",
    "expected_version",
    "set_etag",
]
