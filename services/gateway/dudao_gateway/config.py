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
    # Bodies up to this size (requests and answers of known length) are read whole before
    # forwarding (cheaper than chunked streaming); larger ones, such as evidence uploads, are
    # streamed.
    buffer_body_bytes: int = 256 * 1024
    cors_origins: list[str] = []
    # The public feed (/public/v1): sites allowed to read it from a browser, requests per
    # client per window (counted in the database, shared by replicas), and how long the
    # gateway reuses an answer before asking the service again.
    public_cors_origins: list[str] = []
    public_rate_limit: int = 600
    public_rate_window_seconds: int = 60
    public_cache_seconds: float = 10.0
    # Sign-in through outside providers. Which account an outside identity signs in as:
    # "subject" (an admin linked the provider's subject to the account), "username" (the
    # provider's preferred_username / the ticket's user is the account's username) or
    # "claim:<name>" (that claim or attribute is the account's username). Never creates one.
    sso_link_by: str = "subject"
    # Where the browser lands after an outside sign-in, with a one-time code in the fragment.
    sso_return_to: str = "/"
    sso_flow_seconds: int = 600
    sso_outbound_timeout_seconds: float = 5.0
    # OpenID Connect (empty issuer: off). Discovery at <issuer>/.well-known/openid-configuration.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scope: str = "openid profile email"
    # The one ID-token signature algorithm accepted; a token signed otherwise is refused.
    oidc_id_token_alg: str = "RS256"
    # This gateway's callback as the provider knows it (empty: the request's own URL).
    oidc_redirect_uri: str = ""
    # The province's unified identity platform's ticket sign-on (empty login URL: off). The
    # wire format lives in ``sessions/ticket.py``; these say where and what to read.
    ticket_login_url: str = ""
    ticket_validate_url: str = ""
    # This gateway's ticket callback as the platform knows it (empty: the request's own URL).
    ticket_service_url: str = ""
    # The attribute that names the user at the platform (empty: the protocol's user element).
    ticket_subject_attribute: str = ""

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
        if not (
            self.sso_link_by in ("subject", "username") or self.sso_link_by.startswith("claim:")
        ):
            raise ValueError("sso_link_by is subject, username or claim:<name>")
        if self.environment == "production":
            for name in ("oidc_issuer", "ticket_login_url", "ticket_validate_url"):
                url = getattr(self, name)
                if url and not url.startswith("https://"):
                    raise ValueError(f"{name} must be an https URL outside development")
        if self.access_token_ttl_seconds > 900:
            raise ValueError("access tokens live at most 15 minutes")
        return self
