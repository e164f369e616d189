"""The cascade through the gateway on the real seeds: the province's 实施意见 (seed 004) is
imported and its collective tasks delivered to the 11 cities and the counties; a city plan
(seed 002) and a county plan (seed 001) are linked under it; completing the cities' copies
rolls the province's task up; the leader's cascade view shows every region; a county planner
cannot touch another county's copy; the audit trail records the delivery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.helpers import create_unit, ok, staff, uniq

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[2] / "deploy" / "seeds"
PROVINCE, XINJIAN, DONGHU = "360000", "360112", "360102"
PARAMS = {"dry_run": "false", "create_missing_units": "true"}


def imported(c: httpx.Client, seed: str, **params: Any) -> str:
    """The plan of a seed: imported now, or the one another test imported before."""
    data = (SEEDS / seed).read_bytes()
    preview = ok(c.post("/api/v1/plans/import", params=params, files={"file": (seed, data)}))
    if preview["duplicate_of"]:
        return str(preview["duplicate_of"])
    result = ok(
        c.post("/api/v1/plans/import", params={**params, **PARAMS}, files={"file": (seed, data)}),
        201,
    )
    return str(result["plan_id"])


def link_under(c: httpx.Client, plan_id: str, parent_id: str) -> dict[str, Any]:
    r = c.get(f"/api/v1/plans/{plan_id}")
    plan = ok(r)
    if plan["parent_plan_id"] == parent_id:
        return plan  # type: ignore[no-any-return]
    return ok(  # type: ignore[no-any-return]
        c.patch(
            f"/api/v1/plans/{plan_id}",
            json={"parent_plan_id": parent_id},
            headers={"If-Match": r.headers["etag"]},
        )
    )


def all_pages(c: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ok(
            c.get(path, params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})})
        )
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def test_province_plan_cascades_to_cities_and_counties(running_platform) -> None:  # type: ignore[no-untyped-def]
    admin_token = running_platform.login()
    gw = running_platform.gateway
    with httpx.Client(
        base_url=gw, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60
    ) as admin:
        regions = all_pages(admin, "/api/v1/regions")
        cities = {r["code"] for r in regions if r["level"] == "city"}
        counties = {r["code"] for r in regions if r["level"] == "county"}
        assert len(cities) == 11
        province = staff(running_platform, admin, "planner", region_code=PROVINCE)
        leader = staff(running_platform, admin, "leader", region_code=PROVINCE)
        xinjian = staff(running_platform, admin, "planner", region_code=XINJIAN)
        donghu = staff(running_platform, admin, "planner", region_code=DONGHU)
    c = province.http
    c.timeout = httpx.Timeout(120)
    plan_id = imported(c, "004_2fc4be0b54cb1cd8.txt")
    # The city's plan (宜春市) and the county's (新建区) are placed under the province's.
    city_plan = imported(c, "002_dfb8ccd5e9df308d.txt", region_code="360900")
    assert link_under(c, city_plan, plan_id)["level"] == "city"
    county_plan = imported(c, "001_1d96ae928440d7e2.txt")
    assert link_under(c, county_plan, plan_id)["level"] == "county"
    # …but not the province's under the city's.
    r = c.get(f"/api/v1/plans/{plan_id}")
    bad = c.patch(
        f"/api/v1/plans/{plan_id}",
        json={"parent_plan_id": city_plan},
        headers={"If-Match": r.headers["etag"]},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "parent_plan_id"

    delivery = ok(c.post(f"/api/v1/plans/{plan_id}/cascade"))
    items = all_pages(c, f"/api/v1/plans/{plan_id}/items")
    tasks = {i["code"]: i for i in items if i["kind"] != "section"}
    assignments = all_pages(c, "/api/v1/assignments", plan_id=plan_id)
    to_cities = {a["task_code"] for a in assignments if a["unit_name"].startswith("各设区市")}
    to_all = {a["task_code"] for a in assignments if a["unit_name"].startswith("各市、县")}
    assert to_cities and to_all
    lists = {
        p["region_code"]: p
        for p in all_pages(c, "/api/v1/plans", parent_plan_id=plan_id, kind="delivered")
    }
    assert set(lists) == cities | counties
    if delivery["copies_created"]:
        assert delivery["copies_created"] == len(to_cities - to_all) * len(cities) + len(to_all) * (
            len(cities) + len(counties)
        )
    for code in sorted(cities) + [XINJIAN, DONGHU]:
        copies = {i["code"]: i for i in all_pages(c, f"/api/v1/plans/{lists[code]['id']}/items")}
        expected = (to_cities | to_all) if code in cities else to_all
        assert set(copies) == expected, code
        for task_code in expected:
            assert copies[task_code]["due_on"] == tasks[task_code]["due_on"]
            assert copies[task_code]["title"] == tasks[task_code]["title"]

    # Every city completes its copy of a task given to the cities: the province's task rolls up.
    only_cities = sorted(to_cities - to_all)[0]
    parent = tasks[only_cities]
    with httpx.Client(
        base_url=gw, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60
    ) as admin:
        for city in sorted(cities):
            copy = next(
                x
                for x in all_pages(admin, f"/api/v1/plans/{lists[city]['id']}/items")
                if x["code"] == only_cities
            )
            unit = create_unit(admin, uniq("市卫健委"), city)
            a = ok(
                admin.post(
                    f"/api/v1/tasks/{copy['id']}/assignments",
                    json={"unit_id": unit["id"], "role": "lead"},
                ),
                201,
            )
            r = admin.get(f"/api/v1/assignments/{a['id']}")
            ok(
                admin.patch(
                    f"/api/v1/assignments/{a['id']}",
                    json={"status": "completed"},
                    headers={"If-Match": r.headers["etag"]},
                )
            )
        for a in assignments:
            if a["task_id"] == parent["id"] and a["role"] == "lead":
                r = admin.get(f"/api/v1/assignments/{a['id']}")
                ok(
                    admin.patch(
                        f"/api/v1/assignments/{a['id']}",
                        json={"status": "completed"},
                        headers={"If-Match": r.headers["etag"]},
                    )
                )
        assert ok(admin.get(f"/api/v1/items/{parent['id']}"))["status"] == "completed"
        events = ok(admin.get("/api/v1/audit_events", params={"plan_id": plan_id, "limit": 200}))
        assert any(e["action"] == "cascade" for e in events["items"])

    # The province leader's view: per task, every region's state.
    view = all_pages(leader.http, f"/api/v1/plans/{plan_id}/cascade")
    row = next(t for t in view if t["task_id"] == parent["id"])
    assert row["counts"]["done"] == row["counts"]["total"] == len(cities)
    assert row["share_done"] == 1.0 and row["status"] == "completed"
    wide = next(t for t in view if t["code"] in to_all)
    assert {r["region_code"] for r in wide["regions"]} == cities | counties

    # A county planner works on its own copy, never on a peer county's.
    own = {
        i["code"]: i for i in all_pages(xinjian.http, f"/api/v1/plans/{lists[XINJIAN]['id']}/items")
    }
    peer = {
        i["code"]: i for i in all_pages(donghu.http, f"/api/v1/plans/{lists[DONGHU]['id']}/items")
    }
    code = sorted(to_all)[0]
    unit = create_unit(xinjian.http, uniq("区卫健委"), XINJIAN)
    ok(
        xinjian.http.post(
            f"/api/v1/tasks/{own[code]['id']}/assignments",
            json={"unit_id": unit["id"], "role": "lead"},
        ),
        201,
    )
    r = xinjian.http.post(
        f"/api/v1/tasks/{peer[code]['id']}/assignments",
        json={"unit_id": unit["id"], "role": "lead"},
    )
    assert r.status_code in (403, 404), r.text
    r = xinjian.http.patch(
        f"/api/v1/items/{peer[code]['id']}", json={"title": "改"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code in (403, 404), r.text
    # Region visibility reads down only: the province's plan is not the county's to read (it
    # works on its own copies, in its own list); the same answer as for a plan that is not there.
    r = xinjian.http.get(f"/api/v1/plans/{plan_id}/cascade")
    assert r.status_code == 404 and r.json()["code"] == "plan_not_found", r.text
    for actor in (province, leader, xinjian, donghu):
        actor.close()
