"""A gold plan from the seeds, created with its whole tree and resolved units."""

from __future__ import annotations

import json
from pathlib import Path

from harness import client_for

from tasks.world import REGION, make_unit, ok, staff_tokens

# The seed's gold parsed form, kept with the importer's tests.
GOLD = Path(__file__).resolve().parents[2] / "importer/gold/001_1d96ae928440d7e2.json"


async def test_gold_plan_tree_with_resolved_units(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    """The 新建区 plan from the seeds: resolve its unit names, create the missing, build it."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    tokens = staff_tokens(make_token)
    names = sorted({u["name"] for i in gold["items"] for u in i.get("units", [])})
    async with client_for(tasks, tokens["planner"]) as c:
        res = ok(
            await c.post("/api/v1/units/resolve", json={"region_code": REGION, "names": names})
        )
        for name in res["unresolved"]:
            await make_unit(c, name)
        res = ok(
            await c.post("/api/v1/units/resolve", json={"region_code": REGION, "names": names})
        )
        assert res["unresolved"] == []
        ids = {i["name"]: i["unit"]["id"] for i in res["items"]}
        doc = gold["document"]
        body = {
            "title": doc["title"],
            "doc_number": doc["doc_number"],
            "issuer": doc["issuer"],
            "issued_on": doc["issued_on"],
            "period_start": doc["period"]["start"],
            "period_end": doc["period"]["end"],
            "level": "county",
            "region_code": REGION,
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
                {"code": i["code"], "unit_id": ids[u["name"]], "role": u["role"]}
                for i in gold["items"]
                for u in i.get("units", [])
            ],
        }
        plan = ok(await c.post("/api/v1/plans", json=body), 201)
        items = ok(await c.get(f"/api/v1/plans/{plan['id']}/items", params={"limit": 500}))["items"]
        assert [i["code"] for i in items] == [i["code"] for i in gold["items"]]
        tasks_ = ok(await c.get(f"/api/v1/plans/{plan['id']}/tasks", params={"limit": 500}))[
            "items"
        ]
        gold_tasks = [i for i in gold["items"] if i["kind"] != "section"]
        assert len(tasks_) == len(gold_tasks)
        first = gold_tasks[0]
        row = next(t for t in tasks_ if t["code"] == first["code"])
        assert row["lead_units"] == [u["name"] for u in first["units"] if u["role"] == "lead"]
        # A task given only co-units is refused as a whole: nothing half-written.
        bad = {**body, "title": "无牵头", "assignments": [{**body["assignments"][1], "role": "co"}]}
        r = await c.post("/api/v1/plans", json=bad)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assignments"
