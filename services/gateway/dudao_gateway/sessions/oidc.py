"""OpenID Connect sign-in, the protocol side (Authlib for the code flow with PKCE, joserfc — its
JOSE library — for the ID token): discovery, the authorization URL, the code exchange and every
ID-token check (signature by the provider's JWKS with its algorithm pinned, ``iss``, ``aud``,
``azp``, ``exp``, ``iat``, ``nonce``). Knows nothing of accounts; the caller links the subject.

Outbound calls follow T23: no redirects, connect and read timeouts, a size cap; the provider's
answers are validated before use, and anything off is a 502 naming the provider."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from dudao_shared.errors import BadGateway, Unauthorized

MAX_DOCUMENT_BYTES = 256 * 1024
# A JWKS is fetched again at most this often when a token names an unknown key (rotation),
# so a flood of forged kids cannot make us hammer the provider.
JWKS_REFETCH_SECONDS = 10.0
DISCOVERY_TTL_SECONDS = 3600.0


class SignInRefused(Unauthorized):
    code, title = "sso_refused", "统一身份认证登录未通过"


class ProviderUnavailable(BadGateway):
    code, title = "sso_provider_error", "统一身份认证服务不可用"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says signed in: its subject and the claims or attributes it sent."""

    provider: str
    subject: str
    claims: dict[str, Any]


async def fetch_json(client: httpx.AsyncClient, url: str, what: str) -> dict[str, Any]:
    try:
        async with client.stream("GET", url) as r:
            if r.status_code != 200:
                raise ProviderUnavailable(f"{what}返回 {r.status_code}")
            body = b""
            async for chunk in r.aiter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise ProviderUnavailable(f"{what}过大")
    except httpx.HTTPError:
        raise ProviderUnavailable(f"无法获取{what}") from None
    try:
        data = json.loads(body)
    except ValueError:
        raise ProviderUnavailable(f"{what}不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{what}格式错误")
    return data


def outbound_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
        limits=httpx.Limits(max_connections=10),
    )


class OidcProvider:
    name = "oidc"

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        scope: str,
        alg: str,
        timeout: float,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.alg = alg
        self.timeout = timeout
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: KeySet | None = None
        self._keys_fetched = 0.0
        # When an unknown kid last made us fetch the keys again (throttled).
        self._forced_at = -JWKS_REFETCH_SECONDS
        self._lock = asyncio.Lock()

    async def metadata(self) -> dict[str, Any]:
        if self._metadata and time.monotonic() - self._metadata[0] < DISCOVERY_TTL_SECONDS:
            return self._metadata[1]
        async with outbound_client(self.timeout) as client:
            doc = await fetch_json(
                client, self.issuer + "/.well-known/openid-configuration", "身份提供方的发现文档"
            )
        # The document must be the issuer's own (OpenID Connect Discovery §4.3).
        if doc.get("issuer", "").rstrip("/") != self.issuer:
            raise ProviderUnavailable("发现文档中的 issuer 与配置不符")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(doc.get(key), str) or not doc[key].startswith(
                ("https://", "http://")
            ):
                raise ProviderUnavailable(f"发现文档缺少 {key}")
        self._metadata = (time.monotonic(), doc)
        return doc

    async def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        meta = await self.metadata()
        client = AsyncOAuth2Client(
            client_id=self.client_id,
            scope=self.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier
        )
        await client.aclose()
        return str(url)

    async def exchange(self, *, code: str, redirect_uri: str, code_verifier: str) -> str:
        """The code for tokens at the token endpoint (client_secret_basic, PKCE verifier);
        returns the raw ID token."""
        meta = await self.metadata()
        client = AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            redirect_uri=redirect_uri,
            token_endpoint_auth_method="client_secret_basic",
            follow_redirects=False,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 2.0)),
        )
        try:
            token = await client.fetch_token(
                meta["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except httpx.HTTPError:
            raise ProviderUnavailable("无法连接身份提供方的令牌端点") from None
        except Exception as exc:  # noqa: BLE001 - Authlib raises OAuthError and friends
            # invalid_grant and the like: the code was used, expired or not ours.
            raise SignInRefused(f"授权码无效或已使用（{getattr(exc, 'error', '')}）") from None
        finally:
            await client.aclose()
        id_token = token.get("id_token") if isinstance(token, dict) else None
        if not isinstance(id_token, str):
            raise ProviderUnavailable("身份提供方未返回 ID 令牌")
        return id_token

    async def _key_set(self, *, refresh: bool) -> KeySet:
        async with self._lock:
            if self._keys is not None and not refresh:
                return self._keys
            if refresh:
                if time.monotonic() - self._forced_at < JWKS_REFETCH_SECONDS:
                    assert self._keys is not None
                    return self._keys
                self._forced_at = time.monotonic()
            meta = await self.metadata()
            async with outbound_client(self.timeout) as client:
                doc = await fetch_json(client, meta["jwks_uri"], "身份提供方的签名公钥（JWKS）")
            try:
                keys = KeySet.import_key_set(doc)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError):
                raise ProviderUnavailable("身份提供方的签名公钥（JWKS）无法解析") from None
            self._keys, self._keys_fetched = keys, time.monotonic()
            return keys

    async def verify(self, id_token: str, *, nonce: str) -> Identity:
        """Every check of OpenID Connect Core §3.1.3.7 that applies to a confidential client."""
        keys = await self._key_set(refresh=False)
        try:
            try:
                token = jwt.decode(id_token, keys, algorithms=[self.alg])
            except InvalidKeyIdError:
                # The provider rotated its keys since we fetched them: fetch once more.
                token = jwt.decode(
                    id_token, await self._key_set(refresh=True), algorithms=[self.alg]
                )
        except ProviderUnavailable:
            raise
        except (JoseError, ValueError, TypeError):
            raise SignInRefused("ID 令牌签名无效或算法不符") from None
        claims = token.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise SignInRefused(_claim_message(getattr(exc, "claim", "") or str(exc))) from None
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.client_id:
            raise SignInRefused("ID 令牌的受众（aud/azp）不是本平台")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise SignInRefused("ID 令牌缺少用户标识（sub）")
        return Identity(self.name, claims["sub"], dict(claims))


def _claim_message(claim: str) -> str:
    for key, text in (
        ("iss", "ID 令牌的签发方（iss）不是配置的身份提供方"),
        ("aud", "ID 令牌的受众（aud）不是本平台"),
        ("exp", "ID 令牌已过期"),
        ("iat", "ID 令牌的签发时间无效"),
        ("nonce", "ID 令牌的 nonce 与本次登录不符（可能是重放）"),
        ("sub", "ID 令牌缺少用户标识（sub）"),
    ):
        if key in claim:
            return text
    return "ID 令牌校验未通过"
