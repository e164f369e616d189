"""The gateway's settings refuse what would be unsafe to run with."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dudao_gateway.config import Settings

DB = "postgresql://dudao@127.0.0.1:5432/gateway"


def test_gateway_settings_refuse_placeholder_key_outside_development() -> None:
    with pytest.raises(ValidationError, match="jwt_private_key must be set to a real secret"):
        Settings(
            environment="production",
            database_url=DB,
            jwt_private_key="changeme",
            jwt_public_key="x",
            service_token="s" * 40,
        )
    # No key at all: there is no public key to derive either.
    with pytest.raises(ValidationError, match="must be set"):
        Settings(environment="production", database_url=DB)


def test_access_tokens_live_at_most_15_minutes(keypair) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="15 minutes"):
        Settings(jwt_private_key=keypair[0], database_url=DB, access_token_ttl_seconds=3600)


def test_public_key_is_derived_from_the_private_one(keypair) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(jwt_private_key=keypair[0], database_url=DB)
    assert settings.jwt_public_key.strip() == keypair[1].strip()
