"""Fixtures shared by every test: a real PostgreSQL, signing keys and tokens."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pg import DatabaseFactory, postgres_server  # noqa: E402

from dudao_shared.tokens import TokenSigner, generate_keypair  # noqa: E402

ISSUER = "dudao-gateway"
AUDIENCE = "dudao"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def databases(pg_server: str) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(pg_server)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture(scope="session")
def signer(keypair: tuple[str, str]) -> TokenSigner:
    return TokenSigner(keypair[0], issuer=ISSUER, audience=AUDIENCE)


TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def make_token(signer: TokenSigner) -> TokenFactory:
    """A gateway-style access token: ``make_token("planner", region_code="360100")``."""

    def make(
        role: str,
        *,
        sub: str | None = None,
        unit_id: str | None = None,
        region_code: str | None = None,
        ttl: int = 600,
        sid: str | None = None,
    ) -> str:
        token, _ = signer.issue(
            sub=sub or f"user:{uuid.uuid4().hex[:8]}",
            role=role,
            ttl_seconds=ttl,
            unit_id=unit_id,
            region_code=region_code,
            sid=sid or uuid.uuid4().hex,
        )
        return token

    return make


pytest_plugins = ["tasks.fixtures", "indicators.fixtures", "gateway.fixtures", "e2e.fixtures"]
