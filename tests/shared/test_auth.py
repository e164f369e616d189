"""The one claims check (``dudao_shared.auth``) the services and the gateway forwarder share."""

from __future__ import annotations

import pytest

from dudao_shared.auth import (
    Principal,
    RevocationList,
    authenticate,
    bearer_token,
    check_claims,
)
from dudao_shared.errors import Unauthorized
from dudao_shared.tokens import Claims, TokenSigner, TokenVerifier


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("Bearer   abc ", "abc"),
        ("BEARER a.b.c", "a.b.c"),
    ],
)
def test_bearer_token_takes_the_rfc_6750_forms(header: str, token: str) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "Basic abc", "abc", " Bearer abc"]
)
def test_anything_else_is_a_missing_token(header: str | None) -> None:
    with pytest.raises(Unauthorized) as err:
        bearer_token(header)
    assert err.value.code == "missing_token"


def _claims(**over: object) -> Claims:
    base: dict[str, object] = {
        "sub": "user:1",
        "role": "planner",
        "sid": "s1",
        "jti": "j",
        "exp": 1,
    }
    return Claims(**(base | over))  # type: ignore[arg-type]


def test_claims_rules(keypair) -> None:  # type: ignore[no-untyped-def]
    revocations = RevocationList()
    check_claims(_claims(region_code="360100"), revocations)
    token, _ = TokenSigner(keypair[0], issuer="i", audience="a").issue(
        sub="user:1", role="planner", ttl_seconds=60, sid="s1", region_code="360100", name="张三"
    )
    verifier = TokenVerifier(keypair[1], issuer="i", audience="a")
    p = authenticate(token, verifier, revocations)
    assert p == Principal(sub="user:1", role="planner", region_code="360100", name="张三", sid="s1")
    for claims, code in (
        (_claims(role="root"), "invalid_token"),
        (_claims(role="unit"), "invalid_token"),
        (_claims(role="Admin"), "invalid_token"),
    ):
        with pytest.raises(Unauthorized) as err:
            check_claims(claims, revocations)
        assert err.value.code == code, claims
    revocations.revoke("s1", 4_102_444_800.0)
    with pytest.raises(Unauthorized) as err:
        check_claims(_claims(), revocations)
    assert err.value.code == "token_revoked"


def test_authenticate_turns_every_verification_failure_into_invalid_token(keypair) -> None:  # type: ignore[no-untyped-def]
    verifier = TokenVerifier(keypair[1], issuer="i", audience="a")
    good, _ = TokenSigner(keypair[0], issuer="i", audience="a").issue(
        sub="user:1", role="leader", ttl_seconds=60
    )
    assert authenticate(good, verifier, RevocationList()).role == "leader"
    for bad in ("x", good[:-4], good + "x"):
        with pytest.raises(Unauthorized) as err:
            authenticate(bad, verifier, RevocationList())
        assert err.value.code == "invalid_token"
