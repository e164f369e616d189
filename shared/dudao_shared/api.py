"""Small pieces of the API conventions every service shares: pages, cursors, ETags."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Header, Query, Response
from pydantic import BaseModel, Field

from .errors import PreconditionFailed, PreconditionRequired, ValidationFailed

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="下一页游标；为空表示没有更多")


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        pad = "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if not isinstance(data, dict):
            raise ValueError
        return data
    except (ValueError, TypeError):
        raise ValidationFailed(
            "分页游标无效", errors=[{"field": "cursor", "message": "无法识别的游标"}]
        ) from None


Limit = Annotated[int, Query(ge=1, le=500, description="每页条数（默认 50，最大 500）")]
Cursor = Annotated[str | None, Query(description="上一页返回的 next_cursor")]


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def expected_version(if_match: str | None) -> int:
    """Parse ``If-Match``: missing → 428, unparsable → 412 (it cannot match any version)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("请在 If-Match 中携带读取时的 ETag")
    tag = if_match.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    try:
        return int(tag)
    except ValueError:
        raise PreconditionFailed("If-Match 与当前版本不符") from None


def check_version(if_match: str | None, current: int) -> None:
    if expected_version(if_match) != current:
        raise PreconditionFailed(f"当前版本为 {current}，请刷新后重试")


IfMatch = Annotated[str | None, Header(alias="If-Match", description="读取时得到的 ETag")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="同一请求重试时使用相同的键"),
]
