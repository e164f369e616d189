"""Every sign-in the OpenID provider's answers must not produce: forged, replayed, expired and
wrong-audience ID tokens, a wrong state, an unknown issuer, a JWKS that cannot be fetched.
Each is a 401/502 problem with a Chinese message and no session; figures: accepted/tried."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx
import time_machine
from joserfc import jwt
from joserfc.jwk import RSAKey

from dudao_gateway.config import Settings
from dudao_gateway.main import Gateway
from dudao_gateway.sessions.oidc import OidcProvider, ProviderUnavailable, SignInRefused
from gateway.sso.flows import (
    PASSWORD,
    full_sign_in,
    gateway_client,
    gateway_with,
    oidc_settings,
)
from gateway.sso.peers import (
    CLIENT_ID,
    CLIENT_SECRET,
    GATEWAY,
    OTHER_CLIENT,
    OTHER_REDIRECT,
    OTHER_SECRET,
    OpenIdProvider,
    free_port,
    query_of,
    sign_in_at_provider,
)


async def real_id_token(
    op: OpenIdProvider, *, client_id: str, secret: str, redirect: str, nonce: str
) -> str:
    """An ID token the provider really issues, through the code flow as client ``client_id``."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": redirect,
        "state": secrets.token_urlsafe(8),
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient(timeout=15) as browser:
        url = str(httpx.URL(op.issuer + "/auth", params=params))
        back = await sign_in_at_provider(
            browser, url, login="sub-planner", redirect_prefix=redirect
        )
        r = await browser.post(
            op.issuer + "/token",
            data={
                "grant_type": "authorization_code",
                "code": query_of(back)["code"],
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
            auth=(client_id, secret),
        )
        assert r.status_code == 200, r.text
        return str(r.json()["id_token"])


async def test_forged_replayed_expired_and_wrong_audience_id_tokens(
    provider: OpenIdProvider,
) -> None:
    verifier = OidcProvider(
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scope="openid",
        alg="RS256",
        timeout=5,
    )
    nonce = "nonce-of-this-sign-in"
    genuine = await real_id_token(
        provider,
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        redirect=GATEWAY + "/api/v1/auth/oidc/callback",
        nonce=nonce,
    )
    # The genuine token passes: the refusals below are the checks, not a broken verifier.
    assert (await verifier.verify(genuine, nonce=nonce)).subject == "sub-planner"
    header = jwt.decode(genuine, await verifier._key_set(refresh=False)).header
    claims = jwt.decode(genuine, await verifier._key_set(refresh=False)).claims
    attacker = RSAKey.generate_key(2048, parameters={"kid": header["kid"]}, private=True)
    now = int(time.time())

    def forged(**changes: Any) -> str:
        return jwt.encode({"alg": "RS256", "kid": header["kid"]}, {**claims, **changes}, attacker)

    other_audience = await real_id_token(
        provider, client_id=OTHER_CLIENT, secret=OTHER_SECRET, redirect=OTHER_REDIRECT, nonce=nonce
    )
    head, body, _sig = genuine.split(".")
    cases: dict[str, tuple[str, str]] = {
        "forged signature": (forged(), nonce),
        "forged, claiming another user": (forged(sub="sub-admin"), nonce),
        "signature stripped": (f"{head}.{body}.", nonce),
        "alg none": (f"{b64({'alg': 'none'})}.{body}.", nonce),
        "HS256 keyed with the provider's public key": (
            hs256(
                {"alg": "HS256", "kid": header["kid"]}, claims, public_pem(verifier, header["kid"])
            ),
            nonce,
        ),
        "replayed into another sign-in (nonce)": (genuine, "nonce-of-another-sign-in"),
        "wrong audience (another client's real token)": (other_audience, nonce),
        "unknown kid": (
            jwt.encode({"alg": "RS256", "kid": "not-a-provider-key"}, claims, attacker),
            nonce,
        ),
        "forged expiry in the past": (forged(exp=now - 3600, iat=now - 7200), nonce),
        "forged issuer": (forged(iss="https://idp.evil.example"), nonce),
    }
    accepted = 0
    for what, (token, expected_nonce) in cases.items():
        try:
            await verifier.verify(token, nonce=expected_nonce)
            accepted += 1
            print("ACCEPTED:", what)
        except SignInRefused as refused:
            assert refused.status == 401 and refused.detail, what
    # Expired: the provider's own token, read after its lifetime (600 s) has passed.
    tried = len(cases) + 1
    with time_machine.travel(time.time() + 3600, tick=False):
        try:
            await verifier.verify(genuine, nonce=nonce)
            accepted += 1
        except SignInRefused as refused:
            assert "过期" in (refused.detail or "")
    print(f"\nID tokens accepted/tried = {accepted}/{tried}")
    assert accepted == 0


def b64(value: Any) -> str:
    raw = (
        json.dumps(value, separators=(",", ":")).encode() if not isinstance(value, bytes) else value
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """The key-confusion attack: an HMAC "signature" keyed with the RSA public key."""
    signing_input = f"{b64(header)}.{b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def public_pem(verifier: OidcProvider, kid: str) -> bytes:
    assert verifier._keys is not None
    key = verifier._keys.get_by_kid(kid)
    assert isinstance(key, RSAKey)
    return bytes(key.as_pem(private=False))


async def test_wrong_state_and_replayed_callback(gw: Gateway) -> None:
    answer, callback = await full_sign_in(gw, "sub-planner")
    assert answer.status_code == 303
    tried = accepted = 0
    async with gateway_client(gw) as client:
        q = query_of(callback)
        attempts = {
            "the same callback again (replay)": {"code": q["code"], "state": q["state"]},
            "a state never issued": {"code": q["code"], "state": "forged-state-value"},
            "no state": {"code": q["code"]},
        }
        # A fresh sign-in's state with the old (spent) code: the provider refuses the code.
        fresh = await client.get("/api/v1/auth/oidc/login")
        attempts["a spent code with a fresh state"] = {
            "code": q["code"],
            "state": query_of(fresh.headers["location"])["state"],
        }
        for what, params in attempts.items():
            tried += 1
            r = await client.get("/api/v1/auth/oidc/callback", params=params)
            if r.status_code < 400:
                accepted += 1
            assert r.status_code == 401, (what, r.text)
            problem = r.json()
            assert r.headers["content-type"] == "application/problem+json"
            assert problem["code"] == "sso_refused" and any(
                "\u4e00" <= ch <= "\u9fff" for ch in problem["detail"]
            )
    print(f"\ncallbacks accepted/tried = {accepted}/{tried}")
    assert accepted == 0


async def test_unknown_issuer_and_unreachable_provider_are_502_and_passwords_still_work(
    gateway_settings: Settings, provider: OpenIdProvider, names: dict[str, str]
) -> None:
    # The discovery document names another issuer than the one configured.
    impostor = oidc_settings(gateway_settings, provider.issuer.replace("127.0.0.1", "localhost"))
    down = oidc_settings(gateway_settings, f"http://127.0.0.1:{free_port()}")
    for settings, word in ((impostor, "issuer"), (down, "无法获取")):
        async with gateway_with(settings, names) as app, gateway_client(app) as client:
            r = await client.get("/api/v1/auth/oidc/login")
            assert r.status_code == 502, r.text
            assert r.json()["code"] == "sso_provider_error" and word in r.json()["detail"]
            # Password sign-in does not depend on the provider.
            login = await client.post(
                "/api/v1/auth/login", json={"username": names["planner"], "password": PASSWORD}
            )
            assert login.status_code == 200


async def test_unfetchable_jwks_is_502(provider: OpenIdProvider) -> None:
    verifier = OidcProvider(
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scope="openid",
        alg="RS256",
        timeout=2,
    )
    meta = await verifier.metadata()
    meta["jwks_uri"] = f"http://127.0.0.1:{free_port()}/jwks"
    try:
        await verifier.verify("a.b.c", nonce="n")
        raise AssertionError("verified without keys")
    except ProviderUnavailable as problem:
        assert problem.status == 502 and "JWKS" in (problem.detail or "")
