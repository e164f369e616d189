"""Start the three services and the task service's worker as real processes: used by
`dudao run` and the end-to-end tests."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from dudao_shared.tokens import generate_keypair

SERVICES = {
    "tasks": "dudao_tasks.main:create_app",
    "indicators": "dudao_indicators.main:create_app",
    "gateway": "dudao_gateway.main:create_app",
}

# Processes without an HTTP port: the worker of both services' job queues (python -m <module>).
WORKERS = {"worker": "dudao_cli.worker"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_service_token(keys_dir: Path) -> Path:
    """The credential the three processes present to each other's internal routes, made once."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    path = keys_dir / "service_token"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path


def ensure_keys(keys_dir: Path) -> tuple[Path, Path]:
    """A development key pair, made once; production mounts its own key files."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    private, public = keys_dir / "jwt_private.pem", keys_dir / "jwt_public.pem"
    if not private.exists() or not public.exists():
        priv, pub = generate_keypair()
        private.write_text(priv)
        private.chmod(0o600)
        public.write_text(pub)
    return private, public


@dataclass
class PlatformConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    gateway_port: int = 8000
    tasks_port: int = 8001
    indicators_port: int = 8002
    database_urls: dict[str, str] = field(default_factory=dict)
    environment: str = "development"
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    # Start the task service's worker beside the services (reminders, deliveries).
    worker: bool = True

    def url(self, service: str) -> str:
        port = {
            "gateway": self.gateway_port,
            "tasks": self.tasks_port,
            "indicators": self.indicators_port,
        }[service]
        return f"http://{self.host}:{port}"

    def database_url(self, service: str) -> str:
        try:
            return self.database_urls[service]
        except KeyError:
            raise ValueError(f"no PostgreSQL database given for the {service} service") from None

    def env(self) -> dict[str, str]:
        private, public = ensure_keys(self.data_dir / "keys")
        service_token = ensure_service_token(self.data_dir / "keys")
        env = dict(os.environ)
        for svc in SERVICES:
            p = f"DUDAO_{svc.upper()}_"
            env[p + "DATABASE_URL"] = self.database_url(svc)
            env[p + "ENVIRONMENT"] = self.environment
            env[p + "JWT_PUBLIC_KEY_FILE"] = str(public)
            env[p + "GATEWAY_URL"] = self.url("gateway")
            env[p + "SERVICE_TOKEN_FILE"] = str(service_token)
        env["DUDAO_GATEWAY_JWT_PRIVATE_KEY_FILE"] = str(private)
        env["DUDAO_GATEWAY_TASKS_URL"] = self.url("tasks")
        env["DUDAO_GATEWAY_INDICATORS_URL"] = self.url("indicators")
        env["DUDAO_TASKS_INDICATORS_URL"] = self.url("indicators")
        env["DUDAO_TASKS_STORAGE_DIR"] = str(self.data_dir / "evidence")
        env["DUDAO_INDICATORS_TASKS_URL"] = self.url("tasks")
        env.update(self.extra_env)
        return env


class Platform:
    """The three services (and the worker) as child processes, stopped together.

    A service may run as several replicas (``start_one(svc, name=..., port=...)``), each a
    process of its own on its own port; the config's URLs are then the load balancer's, so the
    processes reach each other through it as they would on several machines."""

    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        # Process name → the service it runs ("worker" for a worker) and its own URL.
        self.kinds: dict[str, str] = {}
        self.urls: dict[str, str] = {}

    def start(self, only: tuple[str, ...] = tuple(SERVICES)) -> None:
        env = self.config.env()
        for svc in only:
            self.start_one(svc, env)
        if self.config.worker and only == tuple(SERVICES):
            self.start_worker("worker", env)

    def _log(self, name: str) -> Any:
        if not self.config.log_dir:
            return None
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        return open(self.config.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process

    def start_worker(self, name: str = "worker", env: dict[str, str] | None = None) -> None:
        """A worker of the services' job queues; several may run (each its own name)."""
        env = env or self.config.env()
        out = self._log(name)
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", WORKERS["worker"], "--name", name],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        self.kinds[name] = "worker"

    def start_one(
        self,
        svc: str,
        env: dict[str, str] | None = None,
        *,
        name: str | None = None,
        port: int | None = None,
    ) -> None:
        """Start ``svc`` on the config's port, or as the replica ``name`` on ``port``."""
        env = env or self.config.env()
        name = name or svc
        url = self.config.url(svc) if port is None else f"http://{self.config.host}:{port}"
        port_text = url.rsplit(":", 1)[1]
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            SERVICES[svc],
            "--host",
            self.config.host,
            "--port",
            port_text,
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            # No version banner; client addresses from X-Forwarded-For only through the
            # services' own trusted-proxy list (uvicorn's default trusts any loopback caller).
            "--no-server-header",
            "--no-proxy-headers",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "5",
        ]
        out = self._log(name)
        self.procs[name] = subprocess.Popen(
            cmd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        self.kinds[name], self.urls[name] = svc, url

    def wait_ready(self, timeout: float = 60.0, services: tuple[str, ...] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services or self.procs)
        while pending:
            svc = pending[0]
            proc = self.procs[svc]
            if proc.poll() is not None:
                raise RuntimeError(f"{svc} exited with code {proc.returncode}")
            if svc not in self.urls:
                # A worker has no port: running is ready (it waits for its database itself).
                pending.pop(0)
                continue
            try:
                if httpx.get(self.urls[svc] + "/healthz", timeout=1.0).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{svc} did not become ready in {timeout:.0f}s")
            time.sleep(0.1)

    def stop_one(self, svc: str, timeout: float = 10.0) -> None:
        proc = self.procs.pop(svc, None)
        self.kinds.pop(svc, None)
        self.urls.pop(svc, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        # The gateway first, so nothing new reaches the services while they drain; the workers
        # last, so they finish what the services handed them.
        for svc in ("gateway", "tasks", "indicators"):
            for name in [n for n, kind in self.kinds.items() if kind == svc]:
                self.stop_one(name)
        for name in list(self.procs):
            self.stop_one(name, timeout=15.0)

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
