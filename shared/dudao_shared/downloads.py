"""Files handed to the browser: one way to name a download (RFC 6266 with the RFC 5987 form)."""

from __future__ import annotations

from urllib.parse import quote


def attachment(filename: str, *, fallback: str) -> dict[str, str]:
    """The ``Content-Disposition`` header of a download named ``filename``: browsers use the
    UTF-8 name (Chinese titles), older clients the ASCII ``fallback``."""
    return {
        "Content-Disposition": f'attachment; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(filename)}"
    }
