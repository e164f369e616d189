"""The public feed's one response rule: a body-derived ETag, ``Cache-Control`` and a 304 when
the client already holds it.

Portals (赣服通 pages, 政府网站 columns) poll in bursts; a strong ETag over the exact bytes lets
them and any cache between revalidate for the price of a hash, and never serves a stale body::

    @router.get("/public/v1/plans/{plan_id}", response_model=PublicPlan)
    async def get_public_plan(plan: DisclosedPlan, request: Request, ...) -> Response:
        return public_json(request, await service.public_plan(session, plan))
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

# Seconds a portal or shared cache may reuse a feed response without asking again.
FEED_MAX_AGE = 60
FEED_VERSION = "1"

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "未变化（请求带的 If-None-Match 与当前 ETag 相同）"}
}


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, a list of tags, or ``*``."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags


def feed_headers(etag: str, max_age: int = FEED_MAX_AGE) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "X-Feed-Version": FEED_VERSION,
    }


def public_json(request: Request, model: BaseModel, *, max_age: int = FEED_MAX_AGE) -> Response:
    body = model.model_dump_json(by_alias=True).encode()
    etag = etag_of(body)
    headers = feed_headers(etag, max_age)
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
