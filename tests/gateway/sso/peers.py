"""Real protocol peers for the sign-in tests: the certified Node OpenID provider
(``tests/oidc/provider.mjs``, oidc-provider pinned by its lockfile) as a child process, and a
small server speaking the CAS ticket protocol, both on loopback ports."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

import httpx
import pytest
from joserfc.jwk import RSAKey

OIDC_DIR = Path(__file__).resolve().parents[2] / "oidc"
GATEWAY = "http://gw"
REDIRECT_URI = GATEWAY + "/api/v1/auth/oidc/callback"
CLIENT_ID, CLIENT_SECRET = "dudao", "dudao-test-client-secret-0123456789"
OTHER_CLIENT, OTHER_SECRET, OTHER_REDIRECT = (
    "other-app",
    "other-secret-0123456789",
    "http://other/cb",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require(ok: bool, why: str) -> None:
    """Missing prerequisites skip on a developer's machine and fail in CI (`make test` runs
    `npm ci` in tests/oidc)."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def new_keys(kid: str) -> dict[str, Any]:
    key = RSAKey.generate_key(
        2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True
    )
    return {"keys": [key.as_dict(private=True)]}


@dataclass
class OpenIdProvider:
    port: int
    accounts: dict[str, dict[str, Any]]
    keys: dict[str, Any] = field(default_factory=lambda: new_keys("k1"))
    process: subprocess.Popen[bytes] | None = None
    client: tuple[str, str] = (CLIENT_ID, CLIENT_SECRET)
    redirect_uri: str = REDIRECT_URI

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        node = shutil.which("node")
        require(node is not None, "Node.js is needed for the OpenID provider")
        require(
            (OIDC_DIR / "node_modules" / "oidc-provider").is_dir(),
            "tests/oidc/node_modules missing: run `cd tests/oidc && npm ci`",
        )
        env = {
            **os.environ,
            "PORT": str(self.port),
            "OIDC_JWKS": json.dumps(self.keys),
            "OIDC_ACCOUNTS": json.dumps(self.accounts),
            "OIDC_CLIENTS": json.dumps(
                [
                    {
                        "client_id": self.client[0],
                        "client_secret": self.client[1],
                        "redirect_uris": [self.redirect_uri],
                    },
                    {
                        "client_id": OTHER_CLIENT,
                        "client_secret": OTHER_SECRET,
                        "redirect_uris": [OTHER_REDIRECT],
                    },
                ]
            ),
        }
        self.process = subprocess.Popen(
            [str(node), str(OIDC_DIR / "provider.mjs")],
            cwd=OIDC_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"OpenID provider exited: {out}")
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.get(self.issuer + "/.well-known/openid-configuration", timeout=1)
                if r.status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("OpenID provider did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def rotate(self, kid: str) -> None:
        """A new signing key set: the provider restarts with it (the old key is gone)."""
        self.stop()
        self.keys = new_keys(kid)
        self.start()


async def sign_in_at_provider(
    browser: httpx.AsyncClient, authorize_url: str, *, login: str, redirect_prefix: str
) -> str:
    """What a person does in the browser at the provider: open the authorization URL, sign in,
    consent; returns the URL the provider sends the browser back to (with code and state)."""
    url = authorize_url
    for _ in range(12):
        r = await browser.get(url)
        while r.status_code in (302, 303):
            location = str(r.headers["location"])
            target = str(r.url.join(location))
            if target.startswith(redirect_prefix):
                return target
            r = await browser.get(target)
        assert r.status_code == 200, r.text[:500]
        html = r.text
        action = html.split('action="', 1)[1].split('"', 1)[0]
        if 'value="login"' in html:
            data = {"prompt": "login", "login": login, "password": "any"}
        else:
            assert 'value="consent"' in html, html[:500]
            data = {"prompt": "consent"}
        r = await browser.post(str(r.url.join(action)), data=data)
        while r.status_code in (302, 303):
            target = str(r.url.join(str(r.headers["location"])))
            if target.startswith(redirect_prefix):
                return target
            r = await browser.get(target)
        url = str(r.url)
    raise AssertionError("the provider's sign-in did not come back")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# ---------------------------------------------------------------------------------------------
# The ticket peer: CAS 2.0/3.0 /login and /serviceValidate, single-use tickets with a lifetime.


@dataclass
class Ticket:
    user: str
    service: str
    issued: float
    used: bool = False


@dataclass
class TicketPlatform:
    users: dict[str, dict[str, str]]
    ttl: float = 30.0
    port: int = field(default_factory=free_port)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    validations: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/cas"

    def issue(self, user: str, service: str) -> str:
        """A ticket as the platform's login page gives one (the person signed in there)."""
        ticket = "ST-" + secrets.token_urlsafe(24)
        self.tickets[ticket] = Ticket(user, service, time.monotonic())
        return ticket

    def respond(self, service: str, ticket: str) -> bytes:
        self.validations += 1
        t = self.tickets.get(ticket)
        if t is None or t.used:
            return failure("INVALID_TICKET", "ticket not recognized")
        t.used = True  # single use: consumed by the first validation, right or wrong
        if time.monotonic() - t.issued > self.ttl:
            return failure("INVALID_TICKET", "ticket expired")
        if t.service != service:
            return failure("INVALID_SERVICE", "ticket was issued for another service")
        attrs = "".join(
            f"<cas:{k}>{escape(v)}</cas:{k}>" for k, v in self.users.get(t.user, {}).items()
        )
        return (
            '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
            f"<cas:authenticationSuccess><cas:user>{escape(t.user)}</cas:user>"
            f"<cas:attributes>{attrs}</cas:attributes></cas:authenticationSuccess>"
            "</cas:serviceResponse>"
        ).encode()

    def start(self) -> None:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/cas/login" and "user" not in q:
                    # The platform's sign-in page: a person names themselves and goes on.
                    page = (
                        '<!doctype html><meta charset="utf-8"><title>统一身份认证</title>'
                        '<form method="get" action="/cas/login">'
                        f'<input type="hidden" name="service" value="{escape(q.get("service", ""), {chr(34): "&quot;"})}">'
                        '<label>用户名 <input name="user"></label>'
                        '<button type="submit">登录统一身份认证平台</button></form>'
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                if parts.path == "/cas/login":
                    # The person signed in on the platform's page (named by ?user= here).
                    service = q.get("service", "")
                    ticket = platform.issue(q.get("user", ""), service)
                    sep = "&" if "?" in service else "?"
                    self.send_response(302)
                    self.send_header("Location", f"{service}{sep}{urlencode({'ticket': ticket})}")
                    self.end_headers()
                    return
                if parts.path in ("/cas/serviceValidate", "/cas/p3/serviceValidate"):
                    body = platform.respond(q.get("service", ""), q.get("ticket", ""))
                    self.send_response(200)
                    self.send_header("Content-Type", "application/xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(404)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def failure(code: str, text: str) -> bytes:
    return (
        '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
        f'<cas:authenticationFailure code="{code}">{escape(text)}</cas:authenticationFailure>'
        "</cas:serviceResponse>"
    ).encode()


@contextlib.contextmanager
def running(peer: OpenIdProvider | TicketPlatform) -> Iterator[Any]:
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()
