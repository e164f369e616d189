"""The cascade across levels on the province's 实施意见 (seed 004, its reviewed gold tree):
collective tasks reach every city and county with the parent's deadlines, copies roll the
parent up, the province reads down, a county acts on its own copy only and peers see nothing;
a city's multi-year plan breaks down into an annual list linked both ways."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import client_for

from dudao_tasks.regions import service as regions
from tasks.world import ok

GOLD = Path(__file__).resolve().parents[2] / "importer/gold/004_2fc4be0b54cb1cd8.json"
PROVINCE, NANCHANG, JINGDEZHEN, XINJIAN, DONGHU = "360000", "360100", "360200", "360112", "360102"
CITIES = [r.code for r in regions.all_regions() if r.level == "city"]
COUNTIES = [r.code for r in regions.all_regions() if r.level == "county"]


def gold_plan(units: dict[str, str]) -> dict[str, Any]:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    doc = gold["document"]
    items, assignments = [], []
    for it in gold["items"]:
        items.append(
            {
                "code": it["code"],
                "kind": it["kind"],
                "title": it["title"],
                "deadlines": [{"due_on": d} for d in it.get("deadlines", [])],
            }
        )
        for u in it.get("units", []):
            assignments.append({"code": it["code"], "unit_id": units[u["name"]], "role": u["role"]})
    return {
        "title": doc["title"],
        "doc_number": doc["doc_number"],
        "issuer": doc["issuer"][0],
        "issued_on": doc["issued_on"],
        "period_start": doc["period"]["start"],
        "period_end": doc["period"]["end"],
        "level": "province",
        "region_code": PROVINCE,
        "items": items,
        "assignments": assignments,
    }


def gold_tasks() -> list[dict[str, Any]]:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    return [i for i in gold["items"] if i["kind"] != "section"]


class Cascade:
    def __init__(self, app: Any, make_token: Any) -> None:
        self.app = app
        self.tokens = {
            "admin": make_token("admin"),
            "leader": make_token("leader"),
            "province": make_token("planner", region_code=PROVINCE),
            "nanchang": make_token("planner", region_code=NANCHANG),
            "jingdezhen": make_token("planner", region_code=JINGDEZHEN),
            "xinjian": make_token("planner", region_code=XINJIAN),
            "donghu": make_token("planner", region_code=DONGHU),
            "donghu_leader": make_token("leader", region_code=DONGHU),
        }
        self.make_token = make_token
        self.ids: dict[str, Any] = {}

    def client(self, who: str) -> httpx.AsyncClient:
        return client_for(self.app, self.tokens[who], timeout=60)


async def build(app: Any, make_token: Any) -> Cascade:
    w = Cascade(app, make_token)
    names = sorted({u["name"] for t in gold_tasks() for u in t.get("units", [])})
    async with w.client("admin") as c:
        units = {}
        for name in names:
            unit = ok(
                await c.post(
                    "/api/v1/units",
                    json={"name": name, "level": "province", "region_code": PROVINCE},
                ),
                201,
            )
            units[name] = unit["id"]
    async with w.client("province") as c:
        plan = ok(await c.post("/api/v1/plans", json=gold_plan(units)), 201)
        w.ids["plan"] = plan["id"]
        items = ok(await c.get(f"/api/v1/plans/{plan['id']}/items", params={"limit": 200}))
        w.ids["tasks"] = {i["code"]: i["id"] for i in items["items"]}
        w.ids["delivery"] = ok(await c.post(f"/api/v1/plans/{plan['id']}/cascade"))
    return w


async def delivered_list(c: httpx.AsyncClient, plan_id: str, region: str) -> dict[str, Any]:
    lists = ok(
        await c.get(
            "/api/v1/plans",
            params={"parent_plan_id": plan_id, "region_code": region, "kind": "delivered"},
        )
    )["items"]
    mine = [p for p in lists if p["region_code"] == region]
    assert len(mine) == 1, lists
    return mine[0]


async def copies_of(c: httpx.AsyncClient, plan_id: str) -> dict[str, dict[str, Any]]:
    items = ok(await c.get(f"/api/v1/plans/{plan_id}/items", params={"limit": 200}))["items"]
    return {i["code"]: i for i in items}


async def test_collective_tasks_reach_every_city_and_county_with_their_deadlines(
    tasks, make_token
) -> None:  # type: ignore[no-untyped-def]
    w = await build(tasks, make_token)
    to_cities = [t for t in gold_tasks() if any(u["name"] == "各设区市政府" for u in t["units"])]
    to_all = [t for t in gold_tasks() if any(u["name"] == "各市、县（区）政府" for u in t["units"])]
    assert to_cities and to_all
    d = w.ids["delivery"]
    assert d["tasks"] == len(to_cities) + len(to_all)
    assert d["regions"] == len(CITIES) + len(COUNTIES)
    assert d["copies_created"] == len(to_cities) * len(CITIES) + len(to_all) * (
        len(CITIES) + len(COUNTIES)
    )
    async with w.client("province") as c:
        # Delivering again adds nothing.
        again = ok(await c.post(f"/api/v1/plans/{w.ids['plan']}/cascade"))
        assert again["copies_created"] == 0 and again["copies_existing"] == d["copies_created"]
        for region, expected in ((NANCHANG, to_cities + to_all), (XINJIAN, to_all)):
            lst = await delivered_list(c, w.ids["plan"], region)
            assert lst["level"] == regions.get(region).level and lst["kind"] == "delivered"
            copies = await copies_of(c, lst["id"])
            assert set(copies) == {t["code"] for t in expected}
            for t in expected:
                assert copies[t["code"]]["title"] == t["title"]
                assert copies[t["code"]]["due_on"] == (
                    max(t["deadlines"]) if t["deadlines"] else None
                )
        # Every city has its list, and 赣江新区管委会 stays one unit (it is no collective).
        lists = ok(
            await c.get(
                "/api/v1/plans",
                params={"parent_plan_id": w.ids["plan"], "kind": "delivered", "limit": 200},
            )
        )["items"]
        assert {p["region_code"] for p in lists} == set(CITIES) | set(COUNTIES)


async def test_copies_roll_the_parent_up_and_the_province_sees_each_region(
    tasks, make_token
) -> None:  # type: ignore[no-untyped-def]
    w = await build(tasks, make_token)
    code = next(
        t["code"] for t in gold_tasks() if any(u["name"] == "各设区市政府" for u in t["units"])
    )
    parent = w.ids["tasks"][code]
    async with w.client("admin") as admin:
        lead = [
            a
            for a in ok(await admin.get(f"/api/v1/tasks/{parent}/assignments"))["items"]
            if a["role"] == "lead"
        ][0]
        copy_assignments = []
        for i, city in enumerate(sorted(CITIES)):
            lst = await delivered_list(admin, w.ids["plan"], city)
            copy = (await copies_of(admin, lst["id"]))[code]
            unit = ok(
                await admin.post(
                    "/api/v1/units",
                    json={
                        "name": f"市卫健委{uuid.uuid4().hex[:6]}",
                        "level": "city",
                        "region_code": city,
                    },
                ),
                201,
            )
            a = ok(
                await admin.post(
                    f"/api/v1/tasks/{copy['id']}/assignments",
                    json={"unit_id": unit["id"], "role": "lead"},
                ),
                201,
            )
            copy_assignments.append((city, copy["id"], a["id"], unit["id"]))
            if i == 0:
                # One city has begun: the parent is in progress, not "not started".
                tag = await etag_of(admin, f"/api/v1/assignments/{a['id']}")
                ok(
                    await admin.patch(
                        f"/api/v1/assignments/{a['id']}",
                        json={"status": "in_progress"},
                        headers={"If-Match": tag},
                    )
                )
                assert ok(await admin.get(f"/api/v1/items/{parent}"))["status"] == "in_progress"
        # The lead and every city complete: the parent is completed.
        for aid in [lead["id"]] + [x[2] for x in copy_assignments]:
            tag = await etag_of(admin, f"/api/v1/assignments/{aid}")
            ok(
                await admin.patch(
                    f"/api/v1/assignments/{aid}",
                    json={"status": "completed"},
                    headers={"If-Match": tag},
                )
            )
        assert ok(await admin.get(f"/api/v1/items/{parent}"))["status"] == "completed"
        # One city's completion is returned with a reason: the parent goes back with it.
        city, copy_id, aid, unit_id = copy_assignments[3]
        tag = await etag_of(admin, f"/api/v1/assignments/{aid}")
        ok(
            await admin.post(
                f"/api/v1/assignments/{aid}/review",
                json={"decision": "return", "reason": "佐证材料不全"},
                headers={"If-Match": tag},
            )
        )
        assert ok(await admin.get(f"/api/v1/items/{parent}"))["status"] == "returned"
    unit_token = make_token("unit", unit_id=unit_id, sub=f"unit:{unit_id}")
    async with client_for(tasks, unit_token) as uc:
        ok(
            await uc.post(
                f"/api/v1/assignments/{aid}/reports",
                json={"text": "已建立直升机临时起降点，正在补充验收材料", "percent": 80},
            ),
            201,
        )
    async with w.client("leader") as c:
        view = ok(await c.get(f"/api/v1/plans/{w.ids['plan']}/cascade", params={"limit": 100}))
        row = next(t for t in view["items"] if t["task_id"] == parent)
        assert row["counts"]["total"] == len(CITIES)
        assert row["counts"]["done"] == len(CITIES) - 1
        assert row["share_done"] == pytest.approx((len(CITIES) - 1) / len(CITIES))
        assert row["status"] == "returned"
        back = next(r for r in row["regions"] if r["region_code"] == city)
        assert back["status"] == "returned" and back["return_reason"] == "佐证材料不全"
        assert back["last_report"].startswith("已建立直升机临时起降点")
        assert not back["silent"]
        # Tasks sent to cities and counties list every region; nobody has reported there yet.
        to_all = next(t for t in view["items"] if t["counts"]["total"] > len(CITIES))
        assert to_all["counts"]["silent"] == len(CITIES) + len(COUNTIES)
    # Region visibility reads down only: a county does not read the province's cascade (it
    # works on its own copies, in its own list); the same answer as for a plan not there.
    async with w.client("donghu_leader") as c:
        r = await c.get(f"/api/v1/plans/{w.ids['plan']}/cascade", params={"limit": 100})
        assert r.status_code == 404 and r.json()["code"] == "plan_not_found", r.text
        own_list = await delivered_list(c, w.ids["plan"], DONGHU)
        assert await copies_of(c, own_list["id"])


async def etag_of(c: httpx.AsyncClient, path: str) -> str:
    r = await c.get(path)
    assert r.status_code == 200, r.text
    return r.headers["etag"]


async def test_a_county_acts_on_its_own_copy_only(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build(tasks, make_token)
    async with w.client("xinjian") as c:
        own_list = await delivered_list(c, w.ids["plan"], XINJIAN)
        code, own_copy = next(iter((await copies_of(c, own_list["id"])).items()))
        unit = ok(
            await c.post(
                "/api/v1/units",
                json={
                    "name": f"新建区卫健委{uuid.uuid4().hex[:6]}",
                    "level": "county",
                    "region_code": XINJIAN,
                },
            ),
            201,
        )
        # Its own copy: given to its own unit.
        a = ok(
            await c.post(
                f"/api/v1/tasks/{own_copy['id']}/assignments",
                json={"unit_id": unit["id"], "role": "lead"},
            ),
            201,
        )
        # Its own plan's task covers its copy of the province's task.
        own_plan = ok(
            await c.post(
                "/api/v1/plans",
                json={
                    "title": "新建区卫生健康服务能力全面提升三年行动计划",
                    "level": "county",
                    "region_code": XINJIAN,
                    "parent_plan_id": w.ids["plan"],
                    "items": [{"code": "1", "kind": "task", "title": "建设区域医疗中心"}],
                },
            ),
            201,
        )
        own_task = (await copies_of(c, own_plan["id"]))["1"]
        links = ok(
            await c.post(
                f"/api/v1/tasks/{own_task['id']}/links", json={"target_id": own_copy["id"]}
            ),
            201,
        )
        assert [x["task_id"] for x in links["serves"]] == [own_copy["id"]]
        link_id = links["serves"][0]["link_id"]
        # …and the province's task itself.
        ok(
            await c.post(
                f"/api/v1/tasks/{own_task['id']}/links",
                json={"target_id": w.ids["tasks"][code]},
            ),
            201,
        )
    # A county plan cannot be placed under a peer county's or above the province.
    async with w.client("donghu") as c:
        peer_list = await delivered_list(c, w.ids["plan"], DONGHU)
        peer_copy = (await copies_of(c, peer_list["id"]))[code]
        # Every write route on the other county's copy, its list, assignment and link: 403/404.
        forbidden = [
            (
                "POST",
                f"/api/v1/tasks/{own_copy['id']}/assignments",
                {"unit_id": unit["id"], "role": "co"},
            ),
            ("PATCH", f"/api/v1/items/{own_copy['id']}", {"title": "改"}),
            ("DELETE", f"/api/v1/items/{own_copy['id']}", None),
            ("PATCH", f"/api/v1/plans/{own_list['id']}", {"title": "改"}),
            (
                "POST",
                f"/api/v1/plans/{own_list['id']}/items",
                {"code": "9", "kind": "task", "title": "加"},
            ),
            ("POST", f"/api/v1/plans/{own_list['id']}/cascade", None),
            ("POST", f"/api/v1/tasks/{own_copy['id']}/links", {"target_id": w.ids["tasks"][code]}),
            ("POST", f"/api/v1/tasks/{own_task['id']}/links", {"target_id": peer_copy["id"]}),
            ("DELETE", f"/api/v1/task_links/{link_id}", None),
            ("DELETE", f"/api/v1/assignments/{a['id']}", None),
            ("PATCH", f"/api/v1/assignments/{a['id']}", {"role": "co"}),
            ("POST", f"/api/v1/assignments/{a['id']}/review", {"decision": "accept"}),
            (
                "POST",
                f"/api/v1/plans/{w.ids['plan']}/annual_plans",
                {"year": 2023, "tasks": [{"advances": [w.ids["tasks"][code]]}]},
            ),
        ]
        for method, path, body in forbidden:
            r = await c.request(method, path, json=body, headers={"If-Match": '"1"'})
            assert r.status_code in (403, 404), f"{method} {path} → {r.status_code} {r.text}"
        # Reads: the peer's links are not listed, nor the province's cascade with its part.
        r = await c.get(f"/api/v1/tasks/{own_task['id']}/links")
        assert r.status_code == 404
        r = await c.get(f"/api/v1/plans/{w.ids['plan']}/cascade", params={"limit": 100})
        assert r.status_code == 404 and r.json()["code"] == "plan_not_found", r.text
        # Its own copy it may work on, and cover with its own tasks.
        ok(
            await c.post(
                f"/api/v1/tasks/{peer_copy['id']}/links",
                json={"target_id": w.ids["tasks"][code]},
            ),
            422,
        )
    async with w.client("jingdezhen") as c:
        r = await c.get(f"/api/v1/plans/{own_plan['id']}/cascade")
        assert r.status_code == 404
    # The province reads down: the county's link shows under the province task.
    async with w.client("province") as c:
        links = ok(await c.get(f"/api/v1/tasks/{w.ids['tasks'][code]}/links"))
        assert [x["task_id"] for x in links["served_by"]] == [own_task["id"]]
        view = ok(await c.get(f"/api/v1/plans/{w.ids['plan']}/cascade", params={"limit": 100}))
        row = next(t for t in view["items"] if t["code"] == code)
        xj = next(r for r in row["regions"] if r["region_code"] == XINJIAN)
        assert xj["covered_by"] == 1 and xj["units"] == [unit["name"]]
    # Units read no cascade.
    unit_token = make_token("unit", unit_id=unit["id"], sub=f"unit:{unit['id']}")
    async with client_for(tasks, unit_token) as uc:
        for path in (
            f"/api/v1/plans/{w.ids['plan']}/cascade",
            f"/api/v1/tasks/{own_copy['id']}/links",
        ):
            r = await uc.get(path)
            assert r.status_code in (403, 404), r.text


async def test_plan_levels_and_parents_follow_the_regions(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = Cascade(tasks, make_token)
    async with w.client("admin") as c:
        prov = ok(
            await c.post(
                "/api/v1/plans",
                json={"title": "省方案", "level": "province", "region_code": PROVINCE},
            ),
            201,
        )
        city = ok(
            await c.post(
                "/api/v1/plans",
                json={
                    "title": "市方案",
                    "level": "city",
                    "region_code": NANCHANG,
                    "parent_plan_id": prov["id"],
                },
            ),
            201,
        )
        bad = [
            ({"level": "city", "region_code": XINJIAN}, "level"),
            ({"level": "province", "region_code": NANCHANG}, "level"),
            (
                {"level": "county", "region_code": DONGHU, "parent_plan_id": str(uuid.uuid4())},
                "parent_plan_id",
            ),
            # A city plan under a county plan, or under another city's.
            (
                {"level": "city", "region_code": JINGDEZHEN, "parent_plan_id": city["id"]},
                "parent_plan_id",
            ),
            (
                {"level": "city", "region_code": NANCHANG, "parent_plan_id": city["id"]},
                "parent_plan_id",
            ),
        ]
        for body, field in bad:
            r = await c.post("/api/v1/plans", json={"title": "方案", **body})
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
        county = ok(
            await c.post(
                "/api/v1/plans",
                json={
                    "title": "县方案",
                    "level": "county",
                    "region_code": XINJIAN,
                    "parent_plan_id": city["id"],
                },
            ),
            201,
        )
        zone = ok(
            await c.post(
                "/api/v1/plans",
                json={
                    "title": "高新区方案",
                    "level": "development_zone",
                    "region_code": NANCHANG,
                    "parent_plan_id": city["id"],
                },
            ),
            201,
        )
        assert zone["level"] == "development_zone"
        r = await c.post(
            "/api/v1/plans",
            json={
                "title": "县方案",
                "level": "county",
                "region_code": XINJIAN,
                "parent_plan_id": county["id"],
            },
        )
        assert r.status_code == 422
        # Placing a parent under its child is refused too.
        tag = await etag_of(c, f"/api/v1/plans/{prov['id']}")
        r = await c.patch(
            f"/api/v1/plans/{prov['id']}",
            json={"parent_plan_id": city["id"]},
            headers={"If-Match": tag},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_plan_id"
        # …and so is moving a city plan onto a county while it has a county plan below.
        tag = await etag_of(c, f"/api/v1/plans/{city['id']}")
        r = await c.patch(
            f"/api/v1/plans/{city['id']}",
            json={"level": "county", "region_code": DONGHU},
            headers={"If-Match": tag},
        )
        assert r.status_code == 422, r.text


YICHUN = "360900"
GOLD_002 = Path(__file__).resolve().parents[2] / "importer/gold/002_dfb8ccd5e9df308d.json"
SEED_002 = Path(__file__).resolve().parents[3] / "deploy/seeds/002_dfb8ccd5e9df308d.txt"
SEED_000 = Path(__file__).resolve().parents[3] / "deploy/seeds/000_d775692da490137b.txt"


def with_ancestors(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gold tree lists numbered items; a parent it does not list becomes a section."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for it in items:
        parts = it["code"].split(".")
        for n in range(1, len(parts)):
            code = ".".join(parts[:n])
            if code not in seen:
                seen.add(code)
                out.append({"code": code, "kind": "section", "title": code})
        if it["code"] not in seen:
            seen.add(it["code"])
            out.append(it)
    return out


async def test_a_multi_year_plan_breaks_down_into_an_annual_list_linked_both_ways(
    tasks, make_token
) -> None:  # type: ignore[no-untyped-def]
    gold = json.loads(GOLD_002.read_text(encoding="utf-8"))
    doc = gold["document"]
    items = with_ancestors(
        [{"code": i["code"], "kind": i["kind"], "title": i["title"]} for i in gold["items"]]
    )
    planner = make_token("planner", region_code=YICHUN)
    async with client_for(tasks, planner, timeout=60) as c:
        plan = ok(
            await c.post(
                "/api/v1/plans",
                json={
                    "title": doc["title"],
                    "issuer": doc["issuer"],
                    "period_start": doc["period"]["start"],
                    "period_end": doc["period"]["end"],
                    "level": "city",
                    "region_code": YICHUN,
                    "items": items,
                },
            ),
            201,
        )
        unit = ok(
            await c.post(
                "/api/v1/units",
                json={
                    "name": f"市卫健委{uuid.uuid4().hex[:6]}",
                    "level": "city",
                    "region_code": YICHUN,
                },
            ),
            201,
        )
        tree = await copies_of(c, plan["id"])
        plan_tasks = [t for t in tree.values() if t["kind"] == "task"]
        picked, split = plan_tasks[0], plan_tasks[1]
        # This year's deliverable in the plan's own words (its first sentence naming 2025).
        text = SEED_002.read_text(encoding="utf-8")
        deliverable = next(s for s in text.replace("\n", "").split("。") if "2025年" in s)[:200]
        body = {
            "year": 2025,
            "tasks": [
                {
                    "advances": [picked["id"]],
                    "due_on": "2025-12-31",
                    "units": [{"unit_id": unit["id"], "role": "lead"}],
                },
                {"advances": [split["id"]], "deliverable": deliverable, "due_on": "2025-06-30"},
                {"advances": [split["id"], picked["id"]], "due_on": "2025-12-31"},
            ],
        }
        for bad, field in (
            ({**body, "year": 2030}, "year"),
            ({**body, "tasks": [{"advances": [str(uuid.uuid4())]}]}, "tasks.0.advances.0"),
            (
                {
                    **body,
                    "tasks": [
                        {
                            "advances": [picked["id"]],
                            "units": [{"unit_id": str(uuid.uuid4()), "role": "lead"}],
                        }
                    ],
                },
                "tasks.0.units.0.unit_id",
            ),
        ):
            r = await c.post(f"/api/v1/plans/{plan['id']}/annual_plans", json=bad)
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
        annual = ok(await c.post(f"/api/v1/plans/{plan['id']}/annual_plans", json=body), 201)
        assert (annual["kind"], annual["year"], annual["annual_of_id"]) == (
            "annual",
            2025,
            plan["id"],
        )
        listed = ok(await c.get("/api/v1/plans", params={"kind": "annual", "region_code": YICHUN}))
        assert annual["id"] in {p["id"] for p in listed["items"]}
        annual_tasks = await copies_of(c, annual["id"])
        assert annual_tasks["1"]["title"] == picked["title"]
        assert annual_tasks["2"]["due_on"] == "2025-06-30"
        # Annual task → plan task.
        up = ok(await c.get(f"/api/v1/tasks/{annual_tasks['3']['id']}/links"))
        assert {x["task_id"] for x in up["serves"]} == {picked["id"], split["id"]}
        assert {x["kind"] for x in up["serves"]} == {"advances"}
        # Plan task → the annual tasks that served it, with what they achieved.
        asg = ok(await c.get(f"/api/v1/tasks/{annual_tasks['1']['id']}/assignments"))["items"][0]
    unit_token = make_token("unit", unit_id=unit["id"], sub=f"unit:{unit['id']}")
    async with client_for(tasks, unit_token) as uc:
        ok(
            await uc.post(
                f"/api/v1/assignments/{asg['id']}/reports",
                json={"text": deliverable[:100], "percent": 100, "status": "completed"},
            ),
            201,
        )
    async with client_for(tasks, planner) as c:
        down = ok(await c.get(f"/api/v1/tasks/{split['id']}/links"))
        assert [x["code"] for x in down["served_by"]] == ["2", "3"]
        assert down["served_by"][0]["deliverable"] == deliverable
        assert all(x["year"] == 2025 for x in down["served_by"])
        down = ok(await c.get(f"/api/v1/tasks/{picked['id']}/links"))
        served = {x["code"]: x for x in down["served_by"]}
        assert served["1"]["status"] == "completed"
        assert served["1"]["last_report"] == deliverable[:100]
    # Another city's planner cannot break down this plan: to a peer city it does not exist.
    async with client_for(tasks, make_token("planner", region_code=NANCHANG)) as c:
        r = await c.post(f"/api/v1/plans/{plan['id']}/annual_plans", json=body)
        assert r.status_code == 404, r.text
        assert r.json()["code"] == "plan_not_found"


async def test_an_import_proposes_the_plan_it_cites_as_its_parent(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    # Seed 000 (南昌高新区) cites the city's plan by its title; the zone stands under the city.
    text = SEED_000.read_text(encoding="utf-8")
    cited = "南昌市进一步完善医疗卫生服务体系的实施方案"
    assert cited in text
    async with client_for(tasks, make_token("planner", region_code=NANCHANG), timeout=60) as c:
        city = ok(
            await c.post(
                "/api/v1/plans",
                json={"title": cited, "level": "city", "region_code": NANCHANG},
            ),
            201,
        )
        preview = ok(
            await c.post(
                "/api/v1/plans/import", params={"region_code": NANCHANG}, data={"text": text}
            )
        )
        proposals = {p["plan_id"]: p for p in preview["parent_plans"]}
        assert proposals[city["id"]]["matched_by"] == "title"
