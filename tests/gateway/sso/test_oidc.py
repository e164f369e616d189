"""OpenID Connect sign-in against a real, certified provider (Node oidc-provider in a child
process), driven through the whole authorization-code flow over HTTP: PKCE, state, nonce,
discovery, JWKS with rotation and the linking rules."""

from __future__ import annotations

import uuid

from dudao_gateway.config import Settings
from dudao_gateway.main import Gateway
from gateway.sso.flows import (
    PASSWORD,
    full_sign_in,
    gateway_client,
    gateway_with,
    oidc_settings,
    tokens_from,
)
from gateway.sso.peers import CLIENT_ID, REDIRECT_URI, OpenIdProvider, query_of


async def test_code_flow_with_pkce_signs_a_planner_in(gw: Gateway) -> None:
    async with gateway_client(gw) as client:
        start = await client.get("/api/v1/auth/oidc/login")
        q = query_of(start.headers["location"])
        assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) >= 43
        assert q["state"] and q["nonce"] and q["client_id"] == CLIENT_ID
        assert q["redirect_uri"] == REDIRECT_URI and "openid" in q["scope"].split()
        providers = (await client.get("/api/v1/auth/providers")).json()["items"]
        assert [p["name"] for p in providers] == ["oidc"]
    answer, _ = await full_sign_in(gw, "sub-planner")
    pair = await tokens_from(gw, answer)
    assert pair["role"] == "planner" and pair["refresh_token"]
    async with gateway_client(gw) as client:
        me = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
        )
        assert me.status_code == 200 and me.json()["region_code"] == "360100"


async def test_linking_by_a_claim_and_by_subject(
    gateway_settings: Settings, provider: OpenIdProvider, names: dict[str, str]
) -> None:
    # Rule "claim:employee_no": the leader's employee number is their username here.
    rule = oidc_settings(gateway_settings, provider.issuer, sso_link_by="claim:employee_no")
    async with gateway_with(rule, names) as app:
        answer, _ = await full_sign_in(app, "sub-leader")
        assert (await tokens_from(app, answer))["role"] == "leader"
        # The planner's employee number is no account's username: refused, not created.
        answer, _ = await full_sign_in(app, "sub-planner")
        assert answer.status_code == 403 and answer.json()["code"] == "sso_not_linked"
    # Rule "subject": only what an admin linked signs in.
    rule = oidc_settings(gateway_settings, provider.issuer, sso_link_by="subject")
    async with gateway_with(rule, names) as app:
        answer, _ = await full_sign_in(app, "sub-admin")
        assert answer.status_code == 403  # the username matches, but the rule is the link
        async with gateway_client(app) as client:
            login = await client.post(
                "/api/v1/auth/login", json={"username": names["admin"], "password": PASSWORD}
            )
            admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
            users = (await client.get("/api/v1/users", params={"limit": 500}, headers=admin)).json()
            planner = next(u for u in users["items"] if u["username"] == names["planner"])
            linked = await client.post(
                f"/api/v1/users/{planner['id']}/external_identities",
                json={"provider": "oidc", "subject": "sub-stranger"},
                headers=admin,
            )
            assert linked.status_code == 201, linked.text
            again = await client.post(
                f"/api/v1/users/{planner['id']}/external_identities",
                json={"provider": "oidc", "subject": "sub-stranger"},
                headers=admin,
            )
            assert again.status_code == 409
        answer, _ = await full_sign_in(app, "sub-stranger")
        assert (await tokens_from(app, answer))["role"] == "planner"


async def test_never_signs_in_an_unlinked_identity(gw: Gateway) -> None:
    answer, _ = await full_sign_in(gw, "sub-stranger")
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "sso_not_linked" and "未关联" in body["detail"]
    assert "set-cookie" not in answer.headers and "location" not in answer.headers


async def test_jwks_rotation(gw: Gateway, provider: OpenIdProvider) -> None:
    """The provider replaces its signing key; the gateway, holding the old JWKS, meets a token
    with an unknown kid, fetches the keys again once and signs the person in."""
    answer, _ = await full_sign_in(gw, "sub-planner")
    await tokens_from(gw, answer)
    old = {k["kid"] for k in provider.keys["keys"]}
    provider.rotate(f"k-{uuid.uuid4().hex[:6]}")
    assert not old & {k["kid"] for k in provider.keys["keys"]}
    answer, _ = await full_sign_in(gw, "sub-planner")
    assert (await tokens_from(gw, answer))["role"] == "planner"
