"""Unit tokens stay within the issuing planner's region (issue, list, revoke)."""

from __future__ import annotations

import httpx
import pytest

from e2e.helpers import client, create_unit, ok, staff, uniq

pytestmark = pytest.mark.e2e


def test_planner_manages_unit_tokens_of_own_region_only(running_platform) -> None:  # type: ignore[no-untyped-def]
    admin = client(running_platform.gateway, running_platform.login())
    yichun = staff(running_platform, admin, "planner", region_code="360900")
    nanchang = staff(running_platform, admin, "planner", region_code="360100")
    unit = create_unit(yichun.http, uniq("宜春单位"), region_code="360902")

    r = nanchang.http.post("/api/v1/unit_tokens", json={"unit_id": unit["id"]})
    # Another region's unit is invisible to this planner, so it is refused like an unknown unit.
    assert r.status_code == 422, r.text
    assert "unit_id" in r.text

    issued = ok(yichun.http.post("/api/v1/unit_tokens", json={"unit_id": unit["id"]}), 201)
    assert issued["region_code"] == "360902"

    def listed(http: httpx.Client) -> set[str]:
        return {t["id"] for t in ok(http.get("/api/v1/unit_tokens"))["items"]}

    assert issued["id"] in listed(yichun.http)
    assert issued["id"] not in listed(nanchang.http)
    assert issued["id"] in listed(admin)

    r = nanchang.http.delete(f"/api/v1/unit_tokens/{issued['id']}")
    assert r.status_code == 404
    revoked = ok(yichun.http.delete(f"/api/v1/unit_tokens/{issued['id']}"))
    assert revoked["revoked_at"] is not None
    for actor in (admin, yichun.http, nanchang.http):
        actor.close()
