"""The one module that touches python-jose.

Pinned to RS256 so services need only the public key. python-jose trusts the header's ``alg``
and accepts tokens without ``exp`` unless told otherwise, so both are forced here; every
failure, whatever its cause, becomes ``InvalidToken`` and, at the edge, a 401.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from jose.backends.base import Key
from jose.exceptions import JOSEError

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud")
_DECODE_OPTIONS = {f"require_{c}": True for c in REQUIRED_CLAIMS} | {
    "verify_signature": True,
    "verify_aud": True,
    "verify_iss": True,
    "verify_exp": True,
    "verify_iat": True,
    # Checked by `_check_dates` with the clock leeway (python-jose's leeway would also
    # stretch `exp`).
    "verify_nbf": False,
    "leeway": 0,
}
# Clocks of the machines differ a little (T44): a token issued up to this many seconds "in the
# future" is still taken; one further ahead was not made by our gateway's clock.
CLOCK_LEEWAY_SECONDS = 30
_NUMERIC_DATES = ("exp", "iat", "nbf")


class InvalidToken(Exception):
    """Any reason a token is not accepted; the reason is for logs, never for the client."""


@dataclass(frozen=True, slots=True)
class Claims:
    sub: str
    role: str
    sid: str | None
    jti: str | None
    exp: int
    unit_id: str | None = None
    region_code: str | None = None
    name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def generate_keypair() -> tuple[str, str]:
    """A fresh RSA key pair as (private PEM, public PEM) — for development and tests."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def public_key_of(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _construct(pem: str) -> Key:
    try:
        return jwk.construct(pem, ALGORITHM)
    except JOSEError as exc:  # pragma: no cover - configuration error at start-up
        raise ValueError(f"invalid RSA key: {exc}") from exc


class TokenSigner:
    def __init__(self, private_key_pem: str, *, issuer: str, audience: str) -> None:
        self._key = private_key_pem
        self.issuer = issuer
        self.audience = audience

    def issue(self, *, sub: str, role: str, ttl_seconds: int, **extra: Any) -> tuple[str, int]:
        now = int(time.time())
        exp = now + ttl_seconds
        claims = {
            "sub": sub,
            "role": role,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": exp,
            "jti": uuid.uuid4().hex,
        } | {k: v for k, v in extra.items() if v is not None}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM), exp


class TokenVerifier:
    """Verifies access tokens; keeps a small cache of good tokens so the hot path pays the
    RSA check once per token rather than once per request (entries die with the token)."""

    def __init__(
        self, public_key_pem: str, *, issuer: str, audience: str, cache_size: int = 4096
    ) -> None:
        self._key = _construct(public_key_pem)
        self.issuer = issuer
        self.audience = audience
        self._cache: OrderedDict[str, Claims] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, token: str) -> Claims:
        cached = self._cache.get(token)
        if cached is not None:
            if cached.exp > time.time():
                return cached
            self._cache.pop(token, None)
            raise InvalidToken("expired")
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise InvalidToken(f"algorithm {header.get('alg')!r} not allowed")
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options=_DECODE_OPTIONS,
            )
        except InvalidToken:
            raise
        except (JOSEError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InvalidToken(str(exc)) from exc
        _check_dates(payload)
        sub, role = payload.get("sub"), payload.get("role")
        if not isinstance(sub, str) or not isinstance(role, str):
            raise InvalidToken("sub and role must be strings")
        if not isinstance(payload.get("iss"), str):
            raise InvalidToken("iss must be a string")
        claims = Claims(
            sub=sub,
            role=role,
            sid=_optional_str(payload, "sid"),
            jti=_optional_str(payload, "jti"),
            exp=int(payload["exp"]),
            unit_id=_optional_str(payload, "unit_id"),
            region_code=_optional_str(payload, "region_code"),
            name=_optional_str(payload, "name"),
            raw=payload,
        )
        self._cache[token] = claims
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return claims


def _check_dates(payload: dict[str, Any]) -> None:
    """NumericDate claims are numbers (RFC 7519 §2; python-jose takes ``"exp": "1700000000"``),
    and a token is not used before it was issued or before ``nbf``, beyond the leeway."""
    for name in _NUMERIC_DATES:
        value = payload.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidToken(f"{name} must be a number")
    now = time.time()
    for name in ("iat", "nbf"):
        value = payload.get(name)
        if value is not None and value > now + CLOCK_LEEWAY_SECONDS:
            raise InvalidToken(f"{name} is in the future")


def _optional_str(payload: dict[str, Any], name: str) -> str | None:
    """Identity claims are strings or absent; anything else would reach a query or a log as
    a value no code expects."""
    value = payload.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidToken(f"{name} must be a string")
    return value
