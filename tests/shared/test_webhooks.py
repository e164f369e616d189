"""Webhook signing agrees with the independent ``standardwebhooks`` package; the SSRF rules
refuse what production must never call; the guarded POST follows no redirect and reads no more
than its cap."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dudao_shared import webhooks


def test_signature_verifies_with_standardwebhooks() -> None:
    secret = webhooks.new_secret()
    body = json.dumps({"type": "notice.urge", "title": "催办"}, ensure_ascii=False).encode()
    headers = webhooks.signed_headers(secret, "msg_1", body)
    assert Webhook(secret).verify(body, headers) == {"type": "notice.urge", "title": "催办"}
    # Any change to the body, the id or the secret breaks it.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "msg_2"})
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)
    # And the other way round: standardwebhooks' own signature is ours.
    ts = int(time.time())
    theirs = Webhook(secret).sign("msg_9", dt.datetime.fromtimestamp(ts), body.decode())
    assert theirs == webhooks.sign(secret, "msg_9", ts, body)


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",  # http to a public address
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.8/hook",
        "https://192.168.1.20/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata (link-local)
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",  # carrier-grade NAT: not global
        "ftp://93.184.216.34/x",
        "https://user:pw@93.184.216.34/x",
        "not a url",
    ],
)
async def test_production_refuses(url: str) -> None:
    with pytest.raises(webhooks.UnsafeTarget):
        await webhooks.check_url(url, production=True)


async def test_production_accepts_public_https_and_development_loopback_http() -> None:
    await webhooks.check_url("https://93.184.216.34/hook", production=True)
    await webhooks.check_url("http://127.0.0.1:8080/hook", production=False)
    await webhooks.check_url("https://10.0.0.8/hook", production=False)
    with pytest.raises(webhooks.UnsafeTarget):
        await webhooks.check_url("http://10.0.0.8/hook", production=False)


@contextmanager
def _server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


async def test_post_follows_no_redirect_and_caps_the_answer() -> None:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["content-length"]))
            hits.append(self.path)
            if self.path == "/redirect":
                self.send_response(307)
                self.send_header("location", "/elsewhere")
                self.end_headers()
                return
            big = b"x" * 1_000_000
            self.send_response(200)
            self.send_header("content-length", str(len(big)))
            self.end_headers()
            self.wfile.write(big)

        def log_message(self, *a: object) -> None:
            pass

    with _server(Handler) as base:
        async with httpx.AsyncClient() as client:
            r = await webhooks.post(client, base + "/redirect", b"{}", {}, production=False)
            assert r.status_code == 307 and not r.ok
            assert hits == ["/redirect"]
            limits = webhooks.Limits(max_response_bytes=1000)
            r = await webhooks.post(
                client, base + "/big", b"{}", {}, production=False, limits=limits
            )
            assert r.ok and len(r.body) == 1000
            with pytest.raises(webhooks.UnsafeTarget):
                await webhooks.post(client, base + "/big", b"{}", {}, production=True)
