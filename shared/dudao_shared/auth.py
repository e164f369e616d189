"""Who is calling: verify the bearer JWT again in every service (no trusted identity headers)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .context import AppState, bearer_var
from .errors import Forbidden, Unauthorized
from .tokens import Claims, InvalidToken, TokenVerifier

log = logging.getLogger("dudao.auth")

Role = Literal["admin", "planner", "leader", "unit"]
ROLES: tuple[str, ...] = ("admin", "planner", "leader", "unit")
STAFF_WRITE_ROLES = frozenset({"admin", "planner"})


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    role: str
    unit_id: str | None = None
    region_code: str | None = None
    name: str | None = None
    sid: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_unit(self) -> bool:
        return self.role == "unit"

    @property
    def can_plan(self) -> bool:
        return self.role in STAFF_WRITE_ROLES


class RevocationList:
    """Sessions the gateway has revoked (logout, token revocation), kept until they expire."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self.loaded_at: float = 0.0

    def revoke(self, sid: str, until: float) -> None:
        self._until[sid] = until

    def replace(self, entries: dict[str, float]) -> None:
        self._until = entries
        self.loaded_at = time.monotonic()

    def merge(self, entries: dict[str, float]) -> None:
        """Add entries from the shared store, forgetting those whose tokens have expired."""
        now = time.time()
        kept = {sid: until for sid, until in self._until.items() if until > now}
        kept.update(entries)
        self._until = kept
        self.loaded_at = time.monotonic()

    def is_revoked(self, sid: str | None) -> bool:
        return sid is not None and sid in self._until


# The caller of the current request, for what records it without being handed it (the
# indicator service's audit trail, written at flush time).
principal_var: ContextVar[Principal | None] = ContextVar("principal", default=None)


async def poll_revocations(gateway_url: str, revocations: RevocationList, interval: float) -> None:
    """Keep a service's copy of the gateway's revocation list fresh."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=2.0) as client:
        while True:
            try:
                r = await client.get("/internal/v1/revocations")
                if r.status_code == 200:
                    revocations.replace({e["sid"]: e["until"] for e in r.json()["items"]})
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                log.debug("revocation poll failed: %s", exc)
            await asyncio.sleep(interval)


def start_revocation_poller(
    gateway_url: str, revocations: RevocationList, interval: float
) -> asyncio.Task[None] | None:
    if not gateway_url:
        return None
    coro: Coroutine[Any, Any, None] = poll_revocations(gateway_url, revocations, interval)
    return asyncio.get_running_loop().create_task(coro)


_bearer = HTTPBearer(auto_error=False, description="网关签发的访问令牌 (JWT)")

get_verifier = AppState("verifier", TokenVerifier)
get_revocations = AppState("revocations", RevocationList)
VerifierDep = Annotated[TokenVerifier, Depends(get_verifier)]
RevocationsDep = Annotated[RevocationList, Depends(get_revocations)]


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750: one or more spaces
    after the scheme, whose case does not matter); 401 ``missing_token`` for anything else."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("请先登录", code="missing_token")
    return token


def check_claims(claims: Claims, revocations: RevocationList) -> None:
    """What a verified token must also be to act as someone: not revoked, a known role, and a
    unit token naming its unit."""
    if revocations.is_revoked(claims.sid):
        raise Unauthorized("访问令牌已被注销", code="token_revoked")
    if claims.role not in ROLES:
        raise Unauthorized("访问令牌角色无效", code="invalid_token")
    if claims.role == "unit" and not claims.unit_id:
        raise Unauthorized("单位令牌缺少单位标识", code="invalid_token")


def verified_claims(token: str, verifier: TokenVerifier, revocations: RevocationList) -> Claims:
    """The one claims check: every service's routes and the gateway's forwarder call this, so a
    token one of them refuses, all of them refuse (with the same code)."""
    try:
        claims = verifier.verify(token)
    except InvalidToken as exc:
        log.info("token rejected: %s", exc)
        raise Unauthorized("访问令牌无效或已过期", code="invalid_token") from None
    check_claims(claims, revocations)
    return claims


def authenticate(token: str, verifier: TokenVerifier, revocations: RevocationList) -> Principal:
    """The caller a token names, after :func:`verified_claims`."""
    claims = verified_claims(token, verifier, revocations)
    return Principal(
        sub=claims.sub,
        role=claims.role,
        unit_id=claims.unit_id,
        region_code=claims.region_code,
        name=claims.name,
        sid=claims.sid,
    )


async def get_principal(
    request: Request,
    verifier: VerifierDep,
    revocations: RevocationsDep,
    # Declared for the OpenAPI security scheme; the header itself is read by ``bearer_token``.
    _cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    principal = authenticate(token, verifier, revocations)
    # Calls this request makes to other services act as the same caller.
    bearer_var.set(token)
    principal_var.set(principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    allowed = frozenset(roles)

    async def dep(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"当前角色（{principal.role}）不能执行此操作", code="role_forbidden")
        return principal

    return dep


StaffWriter = Annotated[Principal, Depends(require_roles("admin", "planner"))]
Staff = Annotated[Principal, Depends(require_roles("admin", "planner", "leader"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
