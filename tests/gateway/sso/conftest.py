"""The sign-in tests' peers as fixtures: the OpenID provider process for this module set."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from dudao_gateway.config import Settings
from dudao_gateway.main import Gateway
from gateway.sso.flows import gateway_with, oidc_settings
from gateway.sso.peers import OpenIdProvider, free_port


@pytest.fixture(scope="module")
def provider_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    return {
        "planner": f"oidc-planner-{tag}",
        "leader": f"oidc-leader-{tag}",
        "admin": f"oidc-admin-{tag}",
    }


@pytest.fixture(scope="module")
def provider(provider_port: int, names: dict[str, str]) -> Iterator[OpenIdProvider]:
    op = OpenIdProvider(
        provider_port,
        accounts={
            "sub-planner": {"preferred_username": names["planner"], "employee_no": "E1001"},
            "sub-leader": {"preferred_username": "someone-else", "employee_no": names["leader"]},
            "sub-stranger": {"preferred_username": "no-such-account"},
            "sub-admin": {"preferred_username": names["admin"]},
        },
    )
    op.start()
    try:
        yield op
    finally:
        op.stop()


@pytest.fixture
async def gw(gateway_settings: Settings, provider: OpenIdProvider, names) -> AsyncIterator[Gateway]:  # type: ignore[no-untyped-def]
    async with gateway_with(oidc_settings(gateway_settings, provider.issuer), names) as app:
        yield app
