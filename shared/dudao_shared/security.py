"""Production posture at the edge of every app: security headers, the client's address from
trusted proxies only, and the service credential that internal routes require.

Run uvicorn with ``--no-proxy-headers --no-server-header``: uvicorn's own proxy handling trusts
any loopback caller's ``X-Forwarded-For``; here only the configured proxies are believed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import NotFound, Unauthorized, problem_response

SERVICE_TOKEN_HEADER = "x-dudao-service-token"

# The console and the phone page load everything from this origin (no CDN); Element Plus and
# Vant set inline style attributes; QR codes and charts are data:/blob: images.
HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Anything that is not a page: no framing, no scripts at all.
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def security_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with the security headers added: nosniff and no framing everywhere; a
    Content-Security-Policy; ``Cache-Control: no-store`` unless the response chose its own
    caching (hashed assets, the HTML entries), so API answers and tokens are never stored."""
    out = [(k, v) for k, v in headers if k not in (b"server", b"x-powered-by")]
    present = {k for k, _ in out}
    content_type = next((v for k, v in out if k == b"content-type"), b"")
    out.extend(h for h in _ALWAYS if h[0] not in present)
    if b"content-security-policy" not in present:
        csp = HTML_CSP if content_type.startswith(b"text/html") else OTHER_CSP
        out.append((b"content-security-policy", csp.encode()))
    if b"cache-control" not in present:
        out.append((b"cache-control", b"no-store"))
    return out


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = security_headers(message.get("headers", []))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def inline_script_hashes(html: str) -> str:
    """CSP sources allowing exactly the inline scripts of ``html`` (the docs page's loader)."""
    sources = []
    for body in re.findall(r"<script>(.*?)</script>", html, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        sources.append(f"'sha256-{digest}'")
    return " ".join(sources)


class InternalRoutesGuard:
    """``/internal/*`` and the API documents answer only callers holding the service credential
    (the gateway and the services); anyone else gets 404, as for a path that does not exist."""

    def __init__(self, app: ASGIApp, *, token: str, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.token = token.encode()
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            if not self._holds_credential(scope):
                problem = (
                    NotFound("没有这个接口地址")
                    if not scope["path"].startswith("/internal/")
                    else Unauthorized("内部接口需要服务凭证", code="service_credential_required")
                )
                await problem_response(problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _holds_credential(self, scope: Scope) -> bool:
        if not self.token:
            return False
        for name, value in scope.get("headers", ()):
            if name == SERVICE_TOKEN_HEADER.encode():
                return hmac.compare_digest(value, self.token)
        return False
