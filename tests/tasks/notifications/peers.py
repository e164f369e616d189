"""Real protocol peers for the outbound channels, in the test process: an HTTP receiver that
verifies Standard Webhooks signatures with the independent ``standardwebhooks`` package, and
worker processes of the task service's job queue."""

from __future__ import annotations

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
