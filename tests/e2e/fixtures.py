"""The platform as real processes: three uvicorn servers on free loopback ports, on PostgreSQL."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from dudao_cli.main import prepare_scratch_platform
from dudao_cli.platform import SERVICES, Platform, PlatformConfig


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Long enough for a plan import on a busy two-core machine; short enough that the hung-service
# test (which waits for it) stays quick.
UPSTREAM_TIMEOUT = 5.0
PORTAL_ORIGIN = "https://ganfutong.example.gov.cn"
PUBLIC_RATE_LIMIT = 300
# The outside sign-in peers the portal tests start on these ports once the platform runs (the
# gateway reads the provider's discovery document only at the first sign-in).
OIDC_PORT = free_port()
CAS_PORT = free_port()
OIDC_CLIENT = ("dudao-e2e", "dudao-e2e-client-secret-0123456789")


@dataclass
class RunningPlatform:
    platform: Platform
    config: PlatformConfig
    admin_password: str
    log_dir: Path

    @property
    def gateway(self) -> str:
        return self.config.url("gateway")

    def url(self, service: str) -> str:
        return self.config.url(service)

    def login(self, username: str = "admin", password: str | None = None) -> str:
        r = httpx.post(
            self.gateway + "/api/v1/auth/login",
            json={"username": username, "password": password or self.admin_password},
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    def log_text(self, service: str) -> str:
        path = self.log_dir / f"{service}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="session")
def running_platform(databases, tmp_path_factory, keypair) -> Iterator[RunningPlatform]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("platform")
    keys = data_dir / "keys"
    keys.mkdir()
    (keys / "jwt_private.pem").write_text(keypair[0])
    (keys / "jwt_public.pem").write_text(keypair[1])
    urls = {svc: databases.create(f"e2e_{svc}") for svc in SERVICES}
    cfg, password = prepare_scratch_platform(
        urls,
        data_dir,
        extra_env={
            "DUDAO_TASKS_REVOCATION_POLL_SECONDS": "0.2",
            "DUDAO_INDICATORS_REVOCATION_POLL_SECONDS": "0.2",
            "DUDAO_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": str(UPSTREAM_TIMEOUT),
            "DUDAO_GATEWAY_PUBLIC_CORS_ORIGINS": json.dumps([PORTAL_ORIGIN]),
            # Low enough that the limit test reaches it, high enough for the other feed tests.
            "DUDAO_GATEWAY_PUBLIC_RATE_LIMIT": str(PUBLIC_RATE_LIMIT),
            "DUDAO_GATEWAY_OIDC_ISSUER": f"http://127.0.0.1:{OIDC_PORT}",
            "DUDAO_GATEWAY_OIDC_CLIENT_ID": OIDC_CLIENT[0],
            "DUDAO_GATEWAY_OIDC_CLIENT_SECRET": OIDC_CLIENT[1],
            "DUDAO_GATEWAY_SSO_LINK_BY": "username",
            "DUDAO_GATEWAY_TICKET_LOGIN_URL": f"http://127.0.0.1:{CAS_PORT}/cas/login",
            "DUDAO_GATEWAY_TICKET_VALIDATE_URL": f"http://127.0.0.1:{CAS_PORT}/cas/serviceValidate",
            # A receiver that is down is tried again within seconds here.
            "DUDAO_TASKS_DELIVERY_BACKOFF_SECONDS": "2",
        },
    )
    platform = Platform(cfg)
    try:
        platform.start()
        platform.wait_ready(timeout=60)
        yield RunningPlatform(platform, cfg, password, cfg.log_dir)  # type: ignore[arg-type]
    finally:
        platform.stop()
