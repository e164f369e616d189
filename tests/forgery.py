"""Tokens an attacker might try. Every one must be a 401 at the gateway and at each service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

from jose import jwt

from dudao_shared.tokens import TokenSigner

ISS, AUD = "dudao-gateway", "dudao"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**over: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "user:mallory",
        "role": "admin",
        "iss": ISS,
        "aud": AUD,
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "sid": uuid.uuid4().hex,
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def forged_tokens(private_pem: str, public_pem: str, signer: TokenSigner) -> dict[str, str]:
    good, _ = signer.issue(sub="user:alice", role="leader", ttl_seconds=600, sid=uuid.uuid4().hex)
    head, payload, sig = good.split(".")
    tampered_payload = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    tampered_payload["role"] = "admin"
    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    hs_body = _b64(json.dumps(_claims()).encode())
    hs_sig = _b64(
        hmac.new(public_pem.encode(), f"{hs_header}.{hs_body}".encode(), hashlib.sha256).digest()
    )
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return {
        "expired": jwt.encode(
            _claims(iat=int(time.time()) - 1200, exp=int(time.time()) - 600),
            private_pem,
            algorithm="RS256",
        ),
        "no_exp": jwt.encode(_claims(exp=None), private_pem, algorithm="RS256"),
        "alg_none": f"{none_header}.{_b64(json.dumps(_claims()).encode())}.",
        "hs256_with_public_key": f"{hs_header}.{hs_body}.{hs_sig}",
        "wrong_aud": jwt.encode(_claims(aud="someone-else"), private_pem, algorithm="RS256"),
        "wrong_iss": jwt.encode(_claims(iss="evil-issuer"), private_pem, algorithm="RS256"),
        "tampered_payload": f"{head}.{_b64(json.dumps(tampered_payload).encode())}.{sig}",
        "garbage": "not.a.jwt",
        "no_sub": jwt.encode(_claims(sub=None), private_pem, algorithm="RS256"),
        # Signed with the real key, so only the claims check stands between them and a caller:
        # each one used to pass the gateway's edge while every service refused it.
        "unknown_role": jwt.encode(_claims(role="root"), private_pem, algorithm="RS256"),
        "unit_without_unit": jwt.encode(_claims(role="unit"), private_pem, algorithm="RS256"),
        "non_string_unit_id": jwt.encode(
            _claims(role="unit", unit_id=12345), private_pem, algorithm="RS256"
        ),
        "non_string_region": jwt.encode(
            _claims(role="planner", region_code=["36", "00"]), private_pem, algorithm="RS256"
        ),
        # Issued an hour ahead of our clocks, or not valid for another hour.
        "iat_in_the_future": jwt.encode(
            _claims(iat=int(time.time()) + 3600, exp=int(time.time()) + 4200),
            private_pem,
            algorithm="RS256",
        ),
        "nbf_in_the_future": jwt.encode(
            _claims(nbf=int(time.time()) + 3600), private_pem, algorithm="RS256"
        ),
        # NumericDates as strings (python-jose converts them and accepted these).
        "exp_as_string": jwt.encode(
            _claims(exp=str(int(time.time()) + 600)), private_pem, algorithm="RS256"
        ),
        "iat_as_string": jwt.encode(
            _claims(iat=str(int(time.time()))), private_pem, algorithm="RS256"
        ),
    }
