"""Per-request context carried across awaits: the request id and the caller's bearer token."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
bearer_var: ContextVar[str | None] = ContextVar("bearer", default=None)
