"""Sign-in throttling that an attacker cannot turn against the account's owner.

Failed attempts are counted per key in PostgreSQL (atomic upserts, so every gateway replica
shares the counts) under three keys:

* the account from one address — the brute force of one password guesser: a few free
  attempts, then delays that double up to a long block;
* the address — password spraying over many usernames;
* the account from anywhere — a distributed guesser: many free attempts and a short cap, so
  strangers can slow the owner's sign-in at most briefly and never lock them out.

The keys do not depend on whether the account exists, so the answers (401, then 429 with
``Retry-After``) are the same for existing and unknown usernames. A throttled attempt is refused
before the password is hashed: a flood costs the server almost nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from dudao_shared.clock import utcnow
from dudao_shared.errors import TooManyRequests

from .models import SignInThrottle


@dataclass(frozen=True, slots=True)
class Rule:
    free: int  # failures allowed before any delay
    first_delay: float  # seconds, doubled with each further failure
    max_delay: float


# Failures older than this (without a newer one) are forgotten.
WINDOW = timedelta(hours=1)
RULES = {
    "pair": Rule(free=5, first_delay=2, max_delay=15 * 60),
    "ip": Rule(free=20, first_delay=2, max_delay=15 * 60),
    "account": Rule(free=20, first_delay=1, max_delay=60),
}


class SignInThrottled(TooManyRequests):
    code, title = "sign_in_throttled", "登录尝试过于频繁"


def keys_for(username: str, ip: str | None) -> dict[str, str]:
    address = ip or "unknown"
    return {
        "pair": f"pair:{username}|{address}",
        "ip": f"ip:{address}",
        "account": f"account:{username}",
    }


def delay_after(rule: Rule, failures: int) -> float:
    if failures <= rule.free:
        return 0.0
    return float(min(rule.max_delay, rule.first_delay * 2 ** (failures - rule.free - 1)))


async def check(session: AsyncSession, keys: dict[str, str]) -> None:
    """429 with ``Retry-After`` while any of the attempt's keys is blocked."""
    now = utcnow()
    until: datetime | None = await session.scalar(
        select(func.max(SignInThrottle.blocked_until)).where(
            col(SignInThrottle.key).in_(keys.values()),
            col(SignInThrottle.blocked_until) > now,
        )
    )
    if until is not None:
        retry = max(1, math.ceil((until - now).total_seconds()))
        raise SignInThrottled(
            f"登录尝试过于频繁，请 {retry} 秒后再试", headers={"Retry-After": str(retry)}
        )


_COUNT = text(
    """
    INSERT INTO sign_in_throttle (key, failures, blocked_until, updated_at)
    VALUES (:key, 1, NULL, :now)
    ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN sign_in_throttle.updated_at < :stale THEN 1
                        ELSE sign_in_throttle.failures + 1 END,
        blocked_until = CASE WHEN sign_in_throttle.updated_at < :stale THEN NULL
                             ELSE sign_in_throttle.blocked_until END,
        updated_at = :now
    RETURNING failures
    """
)


async def record_failure(session: AsyncSession, keys: dict[str, str]) -> None:
    now = utcnow()
    for kind, key in keys.items():
        failures = int(
            (
                await session.execute(_COUNT, {"key": key, "now": now, "stale": now - WINDOW})
            ).scalar_one()
        )
        delay = delay_after(RULES[kind], failures)
        if delay:
            await session.execute(
                text("UPDATE sign_in_throttle SET blocked_until = :until WHERE key = :key"),
                {"key": key, "until": now + timedelta(seconds=delay)},
            )


async def record_success(session: AsyncSession, keys: dict[str, str]) -> None:
    """The owner got in: their account's counts start again (the address's do not)."""
    await session.execute(
        delete(SignInThrottle).where(col(SignInThrottle.key).in_([keys["pair"], keys["account"]]))
    )


async def unlock(session: AsyncSession, username: str) -> None:
    """An administrator's unlock: the account's counts from every address are cleared."""
    await session.execute(
        delete(SignInThrottle).where(
            or_(
                col(SignInThrottle.key) == f"account:{username}",
                col(SignInThrottle.key).startswith(f"pair:{username}|", autoescape=True),
            )
        )
    )
