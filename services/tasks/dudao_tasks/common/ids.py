"""Opaque ids: UUIDs in the database, strings on the wire; a malformed id is simply not found."""

from __future__ import annotations

import uuid

from dudao_shared.errors import NotFound


def parse_id(raw: str, not_found: NotFound) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise not_found from None
