"""Outbound webhooks, one way for every service: Standard Webhooks signatures and a guarded
POST that cannot be turned against the platform's own network (SSRF).

Signing (https://www.standardwebhooks.com): the headers ``webhook-id``, ``webhook-timestamp``
(Unix seconds) and ``webhook-signature`` = ``v1,`` + base64(HMAC-SHA256(key, "id.timestamp.body"))
where the key is the base64 part of the ``whsec_…`` secret. Receivers verify with any Standard
Webhooks library and drop a ``webhook-id`` they have seen (a delivery retried after a lost
answer keeps its id).

Targets: ``https`` only; ``http`` only to a loopback address outside production. In production
no target may resolve to a private, loopback, link-local, multicast, reserved or unspecified
address. The check runs when a URL is saved (``check_url``) and again on every send, on the
address actually connected to (the name is resolved once and the connection goes to that
address, so a name that changes its answer between check and connect cannot slip through).
Redirects are never followed; connect and read time out; the answer is read up to a cap.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

SECRET_PREFIX = "whsec_"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(ValueError):
    """A webhook URL the platform will not call; the message says why, in Chinese."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: str, msg_id: str, body: bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
        "content-type": "application/json",
    }


def _forbidden_address(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _forbidden_address(ip.ipv4_mapped)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _parse(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeTarget("地址格式不正确") from None
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise UnsafeTarget("地址须以 https:// 开头并包含主机名")
    if parts.username or parts.password:
        raise UnsafeTarget("地址中不能包含用户名或密码")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_resolved(scheme: str, host: str, addresses: list[IPAddress], *, production: bool) -> None:
    """The rule itself, on the addresses a host resolved to."""
    if not addresses:
        raise UnsafeTarget("无法解析该主机名")
    loopback = all(a.is_loopback for a in addresses) or host.lower() == "localhost"
    if scheme == "http" and (production or not loopback):
        raise UnsafeTarget("只允许 https 地址（开发环境可用 http 访问本机）")
    if production and any(_forbidden_address(a) for a in addresses):
        raise UnsafeTarget("不允许指向内网、本机或链路本地地址")


async def resolve(host: str, port: int) -> list[IPAddress]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError):
        return []
    out: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    return out


async def check_url(url: str, *, production: bool) -> None:
    """Refuse a target before it is saved (the API turns ``UnsafeTarget`` into a 422)."""
    scheme, host, port = _parse(url)
    if production and host.lower() == "localhost":
        raise UnsafeTarget("不允许指向内网、本机或链路本地地址")
    check_resolved(scheme, host, await resolve(host, port), production=production)


@dataclass(frozen=True, slots=True)
class Limits:
    connect_seconds: float = 5.0
    read_seconds: float = 10.0
    max_response_bytes: int = 64 * 1024


@dataclass(frozen=True, slots=True)
class PostResult:
    status_code: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    production: bool,
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, shared safely
) -> PostResult:
    """POST ``body`` to ``url`` under the rules above. Raises ``UnsafeTarget`` for a refused
    target and ``httpx.HTTPError`` for a transport failure (the caller retries those)."""
    scheme, host, port = _parse(url)
    addresses = await resolve(host, port)
    check_resolved(scheme, host, addresses, production=production)
    address = addresses[0]
    parts = urlsplit(url)
    netloc = f"[{address}]" if address.version == 6 else str(address)
    pinned = urlunsplit((scheme, f"{netloc}:{port}", parts.path or "/", parts.query, ""))
    request_headers = {**headers, "host": parts.netloc.rsplit("@", 1)[-1]}
    timeout = httpx.Timeout(
        connect=limits.connect_seconds,
        read=limits.read_seconds,
        write=limits.read_seconds,
        pool=limits.connect_seconds,
    )
    extensions = {"sni_hostname": host} if scheme == "https" else {}
    request = client.build_request(
        "POST",
        pinned,
        content=body,
        headers=request_headers,
        timeout=timeout,
        extensions=extensions,
    )
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        received = bytearray()
        async for chunk in response.aiter_raw():
            received.extend(chunk[: limits.max_response_bytes - len(received)])
            if len(received) >= limits.max_response_bytes:
                break
    finally:
        await response.aclose()
    return PostResult(response.status_code, bytes(received))
