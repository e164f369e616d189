"""Real protocol peers for the outbound channels, in the test process: an HTTP receiver that
verifies Standard Webhooks signatures with the independent ``standardwebhooks`` package, and
worker processes of the task service's job queue."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class WebhookReceiver:
    secret: str
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    rejected: int = 0
    # Answer with this status (e.g. 503) to play a receiver that is down.
    status: int = 204
    # Seconds to wait before answering (a slow receiver).
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver(secret: str) -> Iterator[WebhookReceiver]:
    state = WebhookReceiver(secret)
    verifier = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:
                verifier.verify(body, {k.lower(): v for k, v in self.headers.items()})
            except WebhookVerificationError:
                with state.lock:
                    state.rejected += 1
                self.send_response(401)
                self.end_headers()
                return
            if state.delay:
                time.sleep(state.delay)
            with state.lock:
                if state.status < 300:
                    state.received.append(json.loads(body))
                    state.ids.append(self.headers["webhook-id"])
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/dudao"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def worker_env(db_url: str, public_key: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DUDAO_TASKS_DATABASE_URL=db_url,
        DUDAO_TASKS_JWT_PUBLIC_KEY=public_key,
        DUDAO_TASKS_ENVIRONMENT="test",
        DUDAO_TASKS_LOG_JSON="false",
        DUDAO_TASKS_DELIVERY_BACKOFF_SECONDS="1",
        DUDAO_TASKS_DELIVERY_MAX_ATTEMPTS="3",
        # The hourly bulletin job issues last month's bulletin of every published plan; fired
        # in the middle of a test it adds notices and bulletin.issued events the test did not
        # make. Half an hour away, it does not fire while any one test runs.
        DUDAO_TASKS_BULLETIN_CRON=f"{(dt.datetime.now(dt.UTC).minute + 30) % 60} * * * *",
    )
    env.update(extra)
    return env


@contextmanager
def workers(
    env: dict[str, str], names: list[str], log_dir: Path
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Worker processes (``python -m dudao_tasks.worker``), stopped with SIGTERM afterwards."""
    procs: dict[str, subprocess.Popen[bytes]] = {}
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        for name in names:
            procs[name] = start_worker(env, name, log_dir)
        yield procs
    finally:
        for proc in procs.values():
            stop_worker(proc)


def start_worker(env: dict[str, str], name: str, log_dir: Path) -> subprocess.Popen[bytes]:
    out = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
    return subprocess.Popen(
        [sys.executable, "-m", "dudao_tasks.worker", "--name", name],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(proc: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait for a condition the workers bring about (not a timing assertion: the limit only
    keeps a broken run from hanging)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@dataclass
class MailBox:
    messages: list[Any] = field(default_factory=list)
    port: int = 0


@contextmanager
def smtp_server() -> Iterator[MailBox]:
    """A real SMTP server (aiosmtpd) in the test process."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    box = MailBox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            msg = message_from_bytes(envelope.content, policy=policy.default)
            box.messages.append((envelope.rcpt_tos, msg))
            return "250 Message accepted for delivery"

    from dudao_cli.platform import free_port

    box.port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def aliyun_sign(params: dict[str, str], secret: str) -> str:
    """Aliyun's RPC signature (v1.0), written from the provider's documentation, independently
    of the adapter: percent-encode per RFC 3986 (space %20, '*' %2A, '~' kept)."""
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote_plus

    def enc(v: str) -> str:
        return (
            quote_plus(v, encoding="utf-8")
            .replace("+", "%20")
            .replace("*", "%2A")
            .replace("%7E", "~")
        )

    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    to_sign = "POST&%2F&" + enc(query)
    return base64.b64encode(
        hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    ).decode()


@dataclass
class SmsPeer:
    key_id: str
    secret: str
    url: str = ""
    sent: list[dict[str, str]] = field(default_factory=list)
    bad_signatures: int = 0


@contextmanager
def aliyun_sms_peer(key_id: str, secret: str) -> Iterator[SmsPeer]:
    """An HTTP peer speaking Aliyun Dysms SendSms: form-encoded RPC parameters, signature
    checked, the provider's JSON answer."""
    from urllib.parse import parse_qsl

    state = SmsPeer(key_id, secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
            params = dict(parse_qsl(raw, keep_blank_values=True))
            signature = params.pop("Signature", "")
            if (
                params.get("AccessKeyId") != state.key_id
                or params.get("Action") != "SendSms"
                or params.get("Version") != "2017-05-25"
                or params.get("SignatureMethod") != "HMAC-SHA1"
                or signature != aliyun_sign(params, state.secret)
            ):
                state.bad_signatures += 1
                answer = {"Code": "SignatureDoesNotMatch", "Message": "签名不匹配"}
                status = 400
            else:
                state.sent.append(params)
                answer = {
                    "Code": "OK",
                    "Message": "OK",
                    "BizId": f"biz{len(state.sent)}",
                    "RequestId": "r",
                }
                status = 200
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server that accepts and never answers: a channel that hangs."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        sock.close()
