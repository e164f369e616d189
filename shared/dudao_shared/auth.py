"""Who is calling: verify the bearer JWT again in every service (no trusted identity headers)."""

from __future__ import annotations

import asyncio
import json
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
from .errors import Forbidden, ServiceUnavailable, Unauthorized
from .security import SERVICE_TOKEN_HEADER
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
    """Sessions the gateway has revoked (logout, token revocation), kept until they expire.

    With ``max_age`` the list fails closed: it is *current* only while it was confirmed by its
    source (the gateway's push stream, a poll, the database) within ``max_age`` seconds, and a
    token is refused with 503 while it is not, so a service started while the gateway is down
    accepts no token rather than every revoked one. Without ``max_age`` (an app with no source,
    in-process tests) it is always current.
    """

    def __init__(self, max_age: float | None = None) -> None:
        self._until: dict[str, float] = {}
        self.max_age = max_age
        self.loaded_at: float | None = None

    def revoke(self, sid: str, until: float) -> None:
        self._until[sid] = until

    def confirm(self) -> None:
        """The source was reached just now and nothing is missing."""
        self.loaded_at = time.monotonic()

    def replace(self, entries: dict[str, float]) -> None:
        self._until = dict(entries)
        self.confirm()

    def merge(self, entries: dict[str, float], *, confirm: bool = True) -> None:
        """Add entries, forgetting those whose tokens have expired."""
        now = time.time()
        kept = {sid: until for sid, until in self._until.items() if until > now}
        kept.update(entries)
        self._until = kept
        if confirm:
            self.confirm()

    def entries(self) -> dict[str, float]:
        now = time.time()
        return {sid: until for sid, until in self._until.items() if until > now}

    def is_current(self) -> bool:
        if self.max_age is None:
            return True
        return self.loaded_at is not None and time.monotonic() - self.loaded_at <= self.max_age

    def is_revoked(self, sid: str | None) -> bool:
        return sid is not None and sid in self._until


# The caller of the current request, for what records it without being handed it (the
# indicator service's audit trail, written at flush time).
principal_var: ContextVar[Principal | None] = ContextVar("principal", default=None)


REVOCATIONS_PATH = "/internal/v1/revocations"
REVOCATIONS_STREAM_PATH = "/internal/v1/revocations/stream"


async def follow_revocations(
    gateway_url: str, service_token: str, revocations: RevocationList, interval: float
) -> None:
    """Keep a service's copy of the gateway's revocation list current.

    Pushed: the gateway's event stream starts with the whole list, then sends each revocation
    as it is committed and a heartbeat every ``interval``; a stream silent for three heartbeats
    is dropped. Polled as the backstop: between two stream attempts the whole list is fetched.
    """
    headers = {SERVICE_TOKEN_HEADER: service_token} if service_token else {}
    timeout = httpx.Timeout(5.0, read=max(3 * interval, 1.0))
    async with httpx.AsyncClient(base_url=gateway_url, timeout=timeout, headers=headers) as client:
        while True:
            try:
                async with client.stream("GET", REVOCATIONS_STREAM_PATH) as r:
                    if r.status_code == 200:
                        async for line in r.aiter_lines():
                            _apply_event(line, revocations)
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                log.info("revocation stream ended: %s", exc)
            try:
                r = await client.get(REVOCATIONS_PATH)
                if r.status_code == 200:
                    revocations.replace({e["sid"]: e["until"] for e in r.json()["items"]})
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                log.info("revocation poll failed: %s", exc)
            await asyncio.sleep(interval)


def _apply_event(line: str, revocations: RevocationList) -> None:
    if not line.startswith("data:"):
        return
    event = json.loads(line[5:])
    entries = {str(sid): float(until) for sid, until in event.get("items", {}).items()}
    if event["type"] == "snapshot":
        revocations.replace(entries)
    elif event["type"] == "revoked":
        revocations.merge(entries)
    else:  # heartbeat
        revocations.confirm()


def start_revocation_follower(
    gateway_url: str, service_token: str, revocations: RevocationList, interval: float
) -> asyncio.Task[None] | None:
    if not gateway_url:
        return None
    coro: Coroutine[Any, Any, None] = follow_revocations(
        gateway_url, service_token, revocations, interval
    )
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
    if not revocations.is_current():
        # Fail closed: without a current list a revoked token cannot be told from a good one.
        raise ServiceUnavailable(
            "暂时无法确认令牌是否已被注销，请稍后重试",
            code="revocations_unavailable",
            title="身份校验暂不可用",
        )
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
    # Declared for the OpenAPI security scheme; the header itself is read by ``bearer_token``.
    _cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    # The verifier and the list are read from the app, not taken as dependencies: this one
    # appears several times in every route's tree (the router's guard, each loader), and
    # FastAPI walks a dependency's own dependencies at every appearance, cached or not.
    app = request.app
    token = bearer_token(request.headers.get("authorization"))
    principal = authenticate(token, get_verifier.of(app), get_revocations.of(app))
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
