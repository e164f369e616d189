"""0 forged tokens accepted: at the gateway (own routes and proxied paths) and at each service."""

from __future__ import annotations

import uuid

import pytest

from forgery import forged_tokens
from harness import client_for

KINDS = ["expired", "no_exp", "alg_none", "hs256_with_public_key", "wrong_aud", "wrong_iss",
         "tampered_payload", "garbage", "no_sub"]


@pytest.fixture(scope="module")
def forged(keypair, signer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return forged_tokens(keypair[0], keypair[1], signer)


@pytest.mark.parametrize("kind", KINDS)
async def test_gateway_rejects(kind: str, forged, gateway) -> None:  # type: ignore[no-untyped-def]
    async with client_for(gateway, forged[kind]) as c:
        for path in ("/api/v1/auth/me", "/api/v1/plans", "/api/v1/indicators"):
            r = await c.get(path)
            assert r.status_code == 401, (kind, path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("kind", KINDS)
async def test_services_reject(kind: str, forged, tasks, indicators) -> None:  # type: ignore[no-untyped-def]
    for app, path in ((tasks, "/api/v1/units"), (indicators, "/api/v1/indicators")):
        async with client_for(app, forged[kind]) as c:
            r = await c.get(path)
            assert r.status_code == 401, (kind, path, r.text)


async def test_revoked_session_rejected_by_services(make_token, tasks, indicators) -> None:  # type: ignore[no-untyped-def]
    sid = uuid.uuid4().hex
    token = make_token("admin", sid=sid)
    for app, path in ((tasks, "/api/v1/units"), (indicators, "/api/v1/indicators")):
        async with client_for(app, token) as c:
            assert (await c.get(path)).status_code == 200
            # What the revocation poll delivers from the gateway (the e2e test runs the poll).
            app.state.revocations.merge({sid: 4_102_444_800.0})
            r = await c.get(path)
            assert r.status_code == 401 and r.json()["code"] == "token_revoked"


async def test_missing_and_malformed_authorization(gateway, tasks) -> None:  # type: ignore[no-untyped-def]
    for app, path in ((gateway, "/api/v1/plans"), (tasks, "/api/v1/units")):
        async with client_for(app) as c:
            for headers in ({}, {"Authorization": "Basic YWRtaW46YWRtaW4="},
                            {"Authorization": "Bearer "}, {"Authorization": "Bearer \x7f"}):
                r = await c.get(path, headers=headers)
                assert r.status_code == 401, (path, headers)
