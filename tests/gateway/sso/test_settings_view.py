"""The outside sign-in configuration, read by an admin on the console's settings page: what
the gateway runs with (linking rule, provider addresses), never the client secret."""

from __future__ import annotations

from dudao_gateway.config import Settings
from gateway.sso.flows import PASSWORD, gateway_client, gateway_with, oidc_settings

ISSUER = "http://127.0.0.1:1/oidc"
NAMES = {"admin": "sso-view-admin", "planner": "sso-view-planner"}


async def _token(client, username: str) -> str:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def test_admin_reads_the_sign_in_settings_without_the_secret(
    gateway_settings: Settings,
) -> None:
    settings = oidc_settings(
        gateway_settings,
        ISSUER,
        sso_link_by="claim:employee_no",
        ticket_login_url="http://127.0.0.1:1/cas/login",
        ticket_validate_url="http://127.0.0.1:1/cas/serviceValidate",
        ticket_subject_attribute="employeeNo",
    )
    async with gateway_with(settings, NAMES) as gw, gateway_client(gw) as client:
        path = "/api/v1/auth/sso/settings"
        r = await client.get(path)
        assert r.status_code == 401
        planner = await _token(client, NAMES["planner"])
        r = await client.get(path, headers={"Authorization": f"Bearer {planner}"})
        assert r.status_code == 403 and r.json()["code"] == "role_forbidden"

        admin = await _token(client, NAMES["admin"])
        r = await client.get(path, headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["link_by"] == "claim:employee_no"
        assert body["oidc"]["issuer"] == ISSUER
        assert body["oidc"]["client_id"] == settings.oidc_client_id
        assert body["oidc"]["id_token_alg"] == "RS256"
        assert body["ticket"]["validate_url"] == settings.ticket_validate_url
        assert body["ticket"]["subject_attribute"] == "employeeNo"
        assert settings.oidc_client_secret and settings.oidc_client_secret not in r.text


async def test_nothing_configured_reads_as_nothing(gateway_settings: Settings) -> None:
    names = {"admin": "sso-view-admin-2"}
    async with gateway_with(gateway_settings, names) as gw, gateway_client(gw) as client:
        admin = await _token(client, names["admin"])
        r = await client.get(
            "/api/v1/auth/sso/settings", headers={"Authorization": f"Bearer {admin}"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["oidc"] is None and r.json()["ticket"] is None
        assert r.json()["link_by"] == gateway_settings.sso_link_by
