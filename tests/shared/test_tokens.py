"""The JWT module: own tokens verify (cached until they expire), anything else is refused."""

from __future__ import annotations

import time

import pytest
import time_machine
from jose import jwt

from dudao_shared.tokens import InvalidToken, TokenSigner, TokenVerifier, generate_keypair


def test_verifier_accepts_own_tokens_and_caches_until_expiry(keypair) -> None:  # type: ignore[no-untyped-def]
    signer = TokenSigner(keypair[0], issuer="i", audience="a")
    verifier = TokenVerifier(keypair[1], issuer="i", audience="a")
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        token, exp = signer.issue(sub="user:1", role="unit", ttl_seconds=3, unit_id="u1", sid="s")
        assert exp == 1_900_000_003
        claims = verifier.verify(token)
        assert (claims.sub, claims.role, claims.unit_id, claims.sid) == (
            "user:1",
            "unit",
            "u1",
            "s",
        )
        assert verifier.verify(token) is claims  # cached
        clock.shift(2.9)
        assert verifier.verify(token) is claims
        clock.shift(0.2)
        with pytest.raises(InvalidToken):
            verifier.verify(token)
        # Out of the cache, the library's own check (whole seconds, exp itself still valid)
        # refuses it from the next second on.
        clock.shift(1)
        with pytest.raises(InvalidToken):
            verifier.verify(token)


def test_expired_token_is_refused_without_the_cache(keypair) -> None:  # type: ignore[no-untyped-def]
    signer = TokenSigner(keypair[0], issuer="i", audience="a")
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        token, _ = signer.issue(sub="user:1", role="admin", ttl_seconds=60)
        clock.shift(61)
        with pytest.raises(InvalidToken):
            TokenVerifier(keypair[1], issuer="i", audience="a").verify(token)


def test_token_from_another_key_is_rejected(keypair) -> None:  # type: ignore[no-untyped-def]
    other_private, _ = generate_keypair()
    token, _ = TokenSigner(other_private, issuer="i", audience="a").issue(
        sub="user:1", role="admin", ttl_seconds=60
    )
    with pytest.raises(InvalidToken):
        TokenVerifier(keypair[1], issuer="i", audience="a").verify(token)


@pytest.mark.parametrize("claim", ["unit_id", "region_code", "name", "sid"])
def test_identity_claims_must_be_strings(keypair, claim: str) -> None:  # type: ignore[no-untyped-def]
    token, _ = TokenSigner(keypair[0], issuer="i", audience="a").issue(
        sub="user:1", role="planner", ttl_seconds=60, **{claim: 360100}
    )
    with pytest.raises(InvalidToken, match=claim):
        TokenVerifier(keypair[1], issuer="i", audience="a").verify(token)


@pytest.mark.parametrize(("ahead", "accepted"), [(10, True), (120, False)])
def test_issued_in_the_future_only_within_the_clock_leeway(
    keypair, ahead: int, accepted: bool
) -> None:  # type: ignore[no-untyped-def]
    """T44: a clock 10 s ahead is tolerated, 2 minutes is not (for `iat` and for `nbf`)."""
    now = int(time.time())
    verifier = TokenVerifier(keypair[1], issuer="dudao-gateway", audience="dudao")
    for claim in ("iat", "nbf"):
        claims = {
            "sub": "user:a",
            "role": "leader",
            "iss": "dudao-gateway",
            "aud": "dudao",
            "iat": now,
            "exp": now + 600,
            claim: now + ahead,
        }
        token = jwt.encode(claims, keypair[0], algorithm="RS256")
        if accepted:
            assert verifier.verify(token).sub == "user:a"
        else:
            with pytest.raises(InvalidToken):
                verifier.verify(token)
