"""The shared library's rules: token verification, settings that refuse placeholders, cursors."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import ValidationError

from dudao_shared.api import decode_cursor, encode_cursor, expected_version
from dudao_shared.errors import (
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    install_error_handlers,
)
from dudao_shared.middleware import BodyLimitMiddleware
from dudao_shared.tokens import InvalidToken, TokenSigner, TokenVerifier, generate_keypair


def test_verifier_accepts_own_tokens_and_caches_until_expiry(keypair) -> None:  # type: ignore[no-untyped-def]
    signer = TokenSigner(keypair[0], issuer="i", audience="a")
    verifier = TokenVerifier(keypair[1], issuer="i", audience="a")
    token, exp = signer.issue(sub="user:1", role="unit", ttl_seconds=3, unit_id="u1", sid="s")
    claims = verifier.verify(token)
    assert (claims.sub, claims.role, claims.unit_id, claims.sid) == ("user:1", "unit", "u1", "s")
    assert verifier.verify(token) is claims  # cached
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_token_from_another_key_is_rejected(keypair) -> None:  # type: ignore[no-untyped-def]
    other_private, _ = generate_keypair()
    token, _ = TokenSigner(other_private, issuer="i", audience="a").issue(
        sub="user:1", role="admin", ttl_seconds=60)
    with pytest.raises(InvalidToken):
        TokenVerifier(keypair[1], issuer="i", audience="a").verify(token)


def test_gateway_settings_refuse_placeholder_key_outside_development(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dudao_gateway.config import Settings

    with pytest.raises(ValidationError):
        Settings(environment="production", jwt_private_key="changeme", jwt_public_key="x")
    with pytest.raises(ValidationError):
        Settings(environment="production")


def test_access_tokens_live_at_most_15_minutes(keypair) -> None:  # type: ignore[no-untyped-def]
    from dudao_gateway.config import Settings

    with pytest.raises(ValidationError):
        Settings(
            jwt_private_key=keypair[0],
            database_url="postgresql://dudao@127.0.0.1:5432/gateway",
            access_token_ttl_seconds=3600,
        )


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor({"k": "二.(一)", "id": "x"})) == {"k": "二.(一)", "id": "x"}
    with pytest.raises(ValidationFailed):
        decode_cursor("%%%not-base64")


def test_if_match_parsing() -> None:
    assert expected_version('"3"') == 3
    assert expected_version('W/"4"') == 4
    with pytest.raises(PreconditionRequired):
        expected_version(None)
    with pytest.raises(PreconditionFailed):
        expected_version('"abc"')


async def test_body_limit_refuses_large_bodies_as_they_arrive() -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=10)

    @app.post("/")
    async def echo(request: Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post("/", content=b"12345")).json() == {"n": 5}
        r = await c.post("/", content=b"x" * 11)
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"

        async def chunks():  # no Content-Length: counted while streaming
            for _ in range(4):
                yield b"xxxxx"

        r = await c.post("/", content=chunks())
        assert r.status_code == 413
