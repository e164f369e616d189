"""Passwords (argon2, off the event loop) and the SHA-256 digests opaque secrets are kept as."""

from __future__ import annotations

import hashlib

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a miss costs as much as a wrong
# password and response time does not reveal which usernames exist.
DUMMY_HASH = _hasher.hash("dudao-timing-equaliser")


def sha256(secret: str) -> str:
    """Refresh and unit tokens are long random strings: a fast digest suffices, and lets a
    presented secret be found by an indexed equality lookup."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def password_matches(hash_: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(hash_, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)
