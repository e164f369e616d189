"""Settings common to every service (pydantic-settings; one env prefix per service)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .db import async_url

PLACEHOLDERS = {"", "changeme", "change-me", "changethis", "secret", "password", "admin"}


class ServiceSettings(BaseSettings):
    """Base for each service's settings. Subclasses set ``model_config`` with their prefix."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # No default: a service has its own PostgreSQL database and must be told where it is
    # (`dudao run` points each service at its database on the embedded server under var/pg).
    database_url: str = ""
    jwt_issuer: str = "dudao-gateway"
    jwt_audience: str = "dudao"
    # Public key PEM, inline or from a file; services never hold the private key.
    jwt_public_key: str = ""
    jwt_public_key_file: Path | None = None
    # Where the gateway publishes revoked sessions; empty disables the poll (tests of one app).
    gateway_url: str = ""
    revocation_poll_seconds: float = 2.0
    log_level: str = "INFO"
    log_json: bool = True
    log_requests: bool = True
    upstream_timeout_seconds: float = 10.0
    # Largest request body accepted at all (evidence uploads have their own, smaller limit).
    max_body_bytes: int = 25 * 1024 * 1024
    # The credential the gateway and the services present to each other's internal routes
    # (`/internal/*`, the services' API documents); a random secret shared by the three.
    service_token: str = ""
    service_token_file: Path | None = None
    # Peers (IPs or CIDRs) whose X-Forwarded-For is believed; nobody's by default.
    trusted_proxies: list[str] = []
    # Audit and security rows older than this move to the archive table (kept, still in the
    # chain, never deleted); the database refuses to move any younger than 183 days (等保).
    audit_retention_days: int = Field(default=365, ge=183)
    # The gateway's /docs and /openapi.json for anyone; default: everywhere but production.
    public_docs: bool | None = None
    # Revocations: a service refuses tokens (503) when its list is older than this.
    revocation_max_age_seconds: float = 10.0

    @model_validator(mode="after")
    def _require_database(self) -> ServiceSettings:
        name = f"{self.model_config.get('env_prefix', '')}DATABASE_URL"
        if not self.database_url.strip():
            raise ValueError(
                f"{name} must be set to the service's PostgreSQL database, e.g. "
                "postgresql://user:password@127.0.0.1:5432/dbname "
                "(`dudao run` sets it to a database on the embedded PostgreSQL under var/pg)"
            )
        try:
            async_url(self.database_url)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        return self

    @model_validator(mode="after")
    def _load_keys(self) -> ServiceSettings:
        if not self.jwt_public_key and self.jwt_public_key_file:
            self.jwt_public_key = Path(self.jwt_public_key_file).read_text()
        if not self.jwt_public_key.strip():
            self.jwt_public_key = self._fallback_public_key()
        if not self.jwt_public_key.strip():
            raise ValueError("jwt_public_key (or jwt_public_key_file) must be set")
        return self

    @model_validator(mode="after")
    def _load_service_token(self) -> ServiceSettings:
        if not self.service_token and self.service_token_file:
            self.service_token = Path(self.service_token_file).read_text().strip()
        if self.environment == "production" and len(self.service_token) < 32:
            raise ValueError(
                "service_token must be a random secret of 32+ characters in production"
            )
        if self.public_docs is None:
            self.public_docs = self.environment != "production"
        return self

    def _fallback_public_key(self) -> str:
        """Where a public key may come from when none is configured (the gateway: its own)."""
        return ""

    def refuse_placeholder(self, name: str, value: str) -> None:
        """Outside development a secret left at a placeholder value stops the service."""
        if self.environment != "development" and value.strip().lower() in PLACEHOLDERS:
            raise ValueError(
                f"{name} must be set to a real secret when environment={self.environment}"
            )
