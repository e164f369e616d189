from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from dudao_shared.settings import ServiceSettings
from dudao_shared.tokens import public_key_of


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DUDAO_GATEWAY_", extra="ignore")

    # The private key signs every access token; only the gateway holds it.
    jwt_private_key: str = ""
    jwt_private_key_file: Path | None = None
    access_token_ttl_seconds: int = 900
    # A sign-in session ends this long after sign-in whatever happens (absolute), and when it
    # has not been refreshed for `session_idle_seconds` (idle) — ASVS 3.3.2: 12 h / 30 min.
    session_absolute_seconds: int = 12 * 3600
    session_idle_seconds: int = 30 * 60
    unit_token_default_days: int = 90
    unit_token_max_days: int = 366
    tasks_url: str = "http://127.0.0.1:8001"
    indicators_url: str = "http://127.0.0.1:8002"
    upstream_timeout_seconds: float = 10.0
    upstream_connect_timeout_seconds: float = 1.0
    upstream_max_connections: int = 200
    # Bodies up to this size are read whole before forwarding (cheaper than chunked
    # streaming); larger ones, such as evidence uploads, are streamed.
    buffer_body_bytes: int = 256 * 1024
    cors_origins: list[str] = []
    # The built web app (`web/dist`); unset means the repository's own build.
    web_dist_dir: Path | None = None

    def _fallback_public_key(self) -> str:
        self._read_private_key()
        return public_key_of(self.jwt_private_key) if self.jwt_private_key.strip() else ""

    def _read_private_key(self) -> None:
        if not self.jwt_private_key and self.jwt_private_key_file:
            self.jwt_private_key = Path(self.jwt_private_key_file).read_text()

    @model_validator(mode="after")
    def _check_private_key(self) -> Settings:
        self._read_private_key()
        if not self.jwt_private_key.strip():
            raise ValueError("jwt_private_key (or jwt_private_key_file) must be set")
        self.refuse_placeholder("jwt_private_key", self.jwt_private_key)
        if any(o.strip() in ("*", "null") for o in self.cors_origins):
            raise ValueError("cors_origins lists exact origins; '*' and 'null' are refused")
        if self.access_token_ttl_seconds > 900:
            raise ValueError("access tokens live at most 15 minutes")
        return self
