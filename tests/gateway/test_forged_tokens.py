"""0 forged tokens accepted: at the gateway (own routes and proxied paths) and at each service;
and one claims check, so every token and header gets the same answer at all of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from forgery import forged_tokens
from harness import client_for

from dudao_shared.auth import get_revocations

KINDS = [
    "expired",
    "no_exp",
    "alg_none",
    "hs256_with_public_key",
    "wrong_aud",
    "wrong_iss",
    "tampered_payload",
    "garbage",
    "no_sub",
    "unknown_role",
    "unit_without_unit",
    "non_string_unit_id",
    "non_string_region",
]


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
            get_revocations.of(app).merge({sid: 4_102_444_800.0})
            r = await c.get(path)
            assert r.status_code == 401 and r.json()["code"] == "token_revoked"


async def test_missing_and_malformed_authorization(gateway, tasks) -> None:  # type: ignore[no-untyped-def]
    for app, path in ((gateway, "/api/v1/plans"), (tasks, "/api/v1/units")):
        async with client_for(app) as c:
            for headers in (
                {},
                {"Authorization": "Basic YWRtaW46YWRtaW4="},
                {"Authorization": "Bearer "},
                {"Authorization": "Bearer \x7f"},
            ):
                r = await c.get(path, headers=headers)
                assert r.status_code == 401, (path, headers)


# --- one claims check ------------------------------------------------------------------------
# The same Authorization header is sent to the gateway's forwarder (a proxied path), to the
# gateway's own routes and to both services; each answers "refused, with code X" or "accepted".
# The verdicts must be identical: a token one of them refuses, all of them refuse.

Verdict = str


def _verdict(r: httpx.Response) -> Verdict:
    if r.status_code == 401:
        return "refused:" + str(r.json()["code"])
    # Accepted: the route ran (200), or the forwarder went on to the upstream, which nothing
    # serves in these in-process tests (503).
    assert r.status_code in (200, 503), r.text
    return "accepted"


async def _verdicts(header: str | None, gateway, tasks, indicators) -> dict[str, Verdict]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": header} if header is not None else {}
    out: dict[str, Verdict] = {}
    for name, app, path in (
        ("forwarder", gateway, "/api/v1/plans"),
        ("gateway routes", gateway, "/api/v1/auth/me"),
        ("tasks", tasks, "/api/v1/units"),
        ("indicators", indicators, "/api/v1/indicators"),
    ):
        async with client_for(app) as c:
            out[name] = _verdict(await c.get(path, headers=headers))
    return out


def _headers(forged: dict[str, str], make_token: Callable[..., str]) -> dict[str, str | None]:
    good = make_token("leader")
    unit = make_token("unit", unit_id=str(uuid.uuid4()))
    cases: dict[str, str | None] = {f"forged:{k}": f"Bearer {forged[k]}" for k in KINDS}
    cases |= {
        "valid": f"Bearer {good}",
        "valid unit": f"Bearer {unit}",
        "scheme in lower case": f"bearer {good}",
        "two spaces": f"Bearer  {good}",
        "trailing space": f"Bearer {good} ",
        "no header": None,
        "empty": "",
        "scheme only": "Bearer",
        "other scheme": f"Token {good}",
        "token without scheme": good,
    }
    return cases


async def test_every_token_gets_one_answer_everywhere(
    forged, make_token, gateway, tasks, indicators
) -> None:  # type: ignore[no-untyped-def]
    cases = _headers(forged, make_token)
    verdicts = {case: await _verdicts(h, gateway, tasks, indicators) for case, h in cases.items()}
    split = {case: v for case, v in verdicts.items() if len(set(v.values())) != 1}
    assert split == {}
    # And the answers are the ones intended.
    assert {case for case, v in verdicts.items() if v["tasks"] == "accepted"} == {
        "valid",
        "valid unit",
        "scheme in lower case",
        "two spaces",
        "trailing space",
    }
    assert verdicts["no header"]["forwarder"] == "refused:missing_token"
    assert verdicts["forged:unknown_role"]["forwarder"] == "refused:invalid_token"


async def test_a_revoked_session_is_refused_everywhere(
    make_token, gateway, tasks, indicators
) -> None:  # type: ignore[no-untyped-def]
    sid = uuid.uuid4().hex
    header = f"Bearer {make_token('planner', region_code='360100', sid=sid)}"
    assert set((await _verdicts(header, gateway, tasks, indicators)).values()) == {"accepted"}
    for app in (gateway.api, tasks, indicators):
        get_revocations.of(app).merge({sid: 4_102_444_800.0})
    assert set((await _verdicts(header, gateway, tasks, indicators)).values()) == {
        "refused:token_revoked"
    }
