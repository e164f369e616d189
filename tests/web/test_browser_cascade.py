"""The cascade view in Chromium: the province's 实施意见 (seed 004's reviewed tree, created
through the API so a slow parse on a busy machine does not decide the test) delivered to the
cities and counties from the plan's page, each task with its regions' state, and one task
opened to its 11 cities."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from e2e.fixtures import RunningPlatform
from e2e.helpers import PASSWORD, client, ok, staff
from playwright.sync_api import expect

from .conftest import Browsing, Shot
from .test_browser_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

GOLD = Path(__file__).resolve().parents[1] / "importer" / "gold" / "004_2fc4be0b54cb1cd8.json"


def province_plan(http: httpx.Client) -> str:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    tasks = [i for i in gold["items"] if i["kind"] != "section"]
    units = {}
    for name in sorted({u["name"] for t in tasks for u in t.get("units", [])}):
        r = http.post(
            "/api/v1/units", json={"name": name, "level": "province", "region_code": "360000"}
        )
        if r.status_code == 409:
            found = ok(http.get("/api/v1/units", params={"q": name, "region_code": "360000"}))
            units[name] = next(u["id"] for u in found["items"] if u["name"] == name)
        else:
            units[name] = ok(r, 201)["id"]
    doc = gold["document"]
    body = {
        "title": doc["title"],
        "doc_number": doc["doc_number"],
        "level": "province",
        "region_code": "360000",
        "items": [
            {
                "code": i["code"],
                "kind": i["kind"],
                "title": i["title"],
                "deadlines": [{"due_on": d} for d in i.get("deadlines", [])],
            }
            for i in gold["items"]
        ],
        "assignments": [
            {"code": t["code"], "unit_id": units[u["name"]], "role": u["role"]}
            for t in tasks
            for u in t.get("units", [])
        ],
    }
    return str(ok(http.post("/api/v1/plans", json=body), 201)["id"])


def test_cascade_view_shows_every_region(
    browsing: Browsing, running_platform: RunningPlatform, shot: Shot
) -> None:
    admin = client(running_platform.gateway, running_platform.login(), timeout=120)
    planner = staff(running_platform, admin, "planner", region_code="360000")
    planner.http.timeout = httpx.Timeout(120)
    plan_id = province_plan(planner.http)
    plan = ok(planner.http.get(f"/api/v1/plans/{plan_id}"))

    page = browsing.page()
    sign_in(page, planner.name, PASSWORD)
    page.goto(f"/plans/{plan_id}")
    page.get_by_role("button", name="逐级落实").click()
    expect(page.get_by_role("heading", name=f"逐级落实：{plan['title']}")).to_be_visible()
    page.get_by_role("button", name="下达到各地").click()
    expect(page.get_by_text("已下达")).to_be_visible(timeout=60_000)
    view = ok(planner.http.get(f"/api/v1/plans/{plan_id}/cascade", params={"limit": 100}))
    assert view["items"]
    table = page.get_by_test_id("cascade-table")
    expect(table.locator("tbody tr.el-table__row")).to_have_count(len(view["items"]))
    expect(page.get_by_role("img", name="各任务的区划完成情况")).to_be_visible()
    cities_only = next(t for t in view["items"] if t["counts"]["total"] == 11)
    row = table.locator("tbody tr.el-table__row", has_text=cities_only["title"]).first
    row.locator(".el-table__expand-icon").click()
    regions = page.get_by_test_id(f"regions-{cities_only['code']}")
    expect(regions.locator("tbody tr")).to_have_count(11)
    expect(regions).to_contain_text("南昌市")
    shot(page, "cascade")
    planner.close()
    admin.close()
