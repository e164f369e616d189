"""Evaluation routes by role: staff of the plan's region create, edit, recompute and issue;
leaders read; a unit reads only issued evaluations it appears in, and only its own row; an
issued evaluation never changes; the next one compares itself with it; bad input is a 422
naming the field."""

from __future__ import annotations

import io
from typing import Any

import httpx
from harness import client_for
from openpyxl import load_workbook
from sqlalchemy import text

from tasks.evaluations.test_evaluations import rendered, world  # noqa: F401  (the fixture)
from tasks.world import OTHER_REGION, PLANNER_REGION, REGION, make_unit, ok


async def _plan(
    c: httpx.AsyncClient, region: str = REGION, tag: str = ""
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    units = [await make_unit(c, f"评估单位{tag}{n}", region) for n in range(2)]
    plan = ok(
        await c.post(
            "/api/v1/plans",
            json={
                "title": "新建区评估测试方案",
                "level": "county",
                "region_code": region,
                "items": [
                    {"code": "一", "kind": "section", "title": "重点任务"},
                    {
                        "code": "一.1",
                        "kind": "task",
                        "title": "任务甲",
                        "deadlines": [{"due_on": "2023-12-31"}],
                    },
                    {"code": "一.2", "kind": "task", "title": "任务乙"},
                ],
                "assignments": [
                    {"code": "一.1", "unit_id": units[0]["id"], "role": "lead"},
                    {"code": "一.2", "unit_id": units[1]["id"], "role": "lead"},
                ],
            },
        ),
        201,
    )
    return plan, units


def _if(ev: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{ev["version"]}"'}


async def test_roles_lifecycle_and_units_own_rows(world, tasks_app, make_token) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    async with (
        client_for(tasks_app, make_token("planner", region_code=PLANNER_REGION)) as planner,
        client_for(tasks_app, make_token("planner", region_code=OTHER_REGION)) as other,
        client_for(tasks_app, make_token("leader")) as leader,
    ):
        plan, units = await _plan(planner)
        body = {"plan_id": plan["id"], "kind": "annual", "as_of": "2024-12-31"}
        r = await other.post("/api/v1/evaluations", json=body)
        assert r.status_code == 403 and r.json()["code"] == "region_forbidden"
        assert (await leader.post("/api/v1/evaluations", json=body)).status_code == 403
        ev = ok(await planner.post("/api/v1/evaluations", json=body), 201)
        assert ev["status"] == "draft" and ev["kind_label"] == "年度考核"
        assert ev["data"]["tasks"]["total"] == 2 and ev["data"]["tasks"]["overdue"] == 1
        assert ev["data"]["comparison"] is None
        assert "共有任务2项" in ev["narrative"]

        # Leaders read; units see no draft.
        assert ok(await leader.get(f"/api/v1/evaluations/{ev['id']}"))["id"] == ev["id"]
        unit0 = client_for(tasks_app, make_token("unit", unit_id=units[0]["id"]))
        async with unit0:
            assert (await unit0.get(f"/api/v1/evaluations/{ev['id']}")).status_code == 404
            assert ok(await unit0.get("/api/v1/evaluations"))["items"] == []

        # The narrative is edited before issue, and a recompute keeps the edit.
        r = await leader.patch(
            f"/api/v1/evaluations/{ev['id']}", json={"narrative": "改"}, headers=_if(ev)
        )
        assert r.status_code == 403
        r = await other.patch(
            f"/api/v1/evaluations/{ev['id']}", json={"narrative": "改"}, headers=_if(ev)
        )
        assert r.status_code == 403
        ev = ok(
            await planner.patch(
                f"/api/v1/evaluations/{ev['id']}",
                json={"narrative": "经核实，任务甲逾期。"},
                headers=_if(ev),
            )
        )
        ev = ok(await planner.post(f"/api/v1/evaluations/{ev['id']}/recompute", headers=_if(ev)))
        assert ev["narrative"] == "经核实，任务甲逾期。"
        r = await planner.post(f"/api/v1/evaluations/{ev['id']}/issue")
        assert r.status_code == 428
        issued = ok(await planner.post(f"/api/v1/evaluations/{ev['id']}/issue", headers=_if(ev)))
        assert issued["status"] == "issued" and issued["issued_at"]

        # Issued: immutable.
        for path, kw in (
            (f"/api/v1/evaluations/{ev['id']}/recompute", {}),
            (f"/api/v1/evaluations/{ev['id']}/issue", {}),
        ):
            r = await planner.post(path, headers=_if(issued), **kw)
            assert r.status_code == 409 and r.json()["code"] == "evaluation_issued"
        r = await planner.patch(
            f"/api/v1/evaluations/{ev['id']}", json={"narrative": "x"}, headers=_if(issued)
        )
        assert r.status_code == 409

        # A unit now reads it, with its own row only; another evaluation's rows stay hidden.
        async with client_for(tasks_app, make_token("unit", unit_id=units[0]["id"])) as u0:
            seen = ok(await u0.get(f"/api/v1/evaluations/{ev['id']}"))
            assert [u["unit_id"] for u in seen["data"]["units"]] == [units[0]["id"]]
            assert [e["id"] for e in ok(await u0.get("/api/v1/evaluations"))["items"]] == [ev["id"]]
            # The unit's file is its own render, with its own row only.
            book = load_workbook(io.BytesIO(await rendered(tasks_app, u0, ev, "xlsx")))
            cells = {str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row}
            assert units[0]["name"] in cells and units[1]["name"] not in cells
        async with client_for(tasks_app, make_token("unit", unit_id=None)) as nobody:
            assert (await nobody.get(f"/api/v1/evaluations/{ev['id']}")).status_code in (
                401,
                403,
                404,
            )

        # The next evaluation compares itself with the issued one.
        nxt = ok(
            await planner.post(
                "/api/v1/evaluations",
                json={**body, "kind": "final", "as_of": "2025-12-31"},
            ),
            201,
        )
        assert nxt["data"]["comparison"]["previous_id"] == ev["id"]
        assert nxt["data"]["comparison"]["tasks"]["total"] == 0
        listed = ok(await leader.get("/api/v1/evaluations", params={"plan_id": plan["id"]}))
        assert [e["id"] for e in listed["items"]] == [nxt["id"], ev["id"]]


async def test_bad_input_is_422_naming_the_field(world, tasks_app, make_token) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    async with client_for(tasks_app, make_token("admin")) as c:
        plan, _ = await _plan(c)
        base = {"plan_id": plan["id"], "kind": "annual"}
        for body, field in (
            ({**base, "kind": "weekly"}, "kind"),
            ({**base, "as_of": "2024-13-01"}, "as_of"),
            ({**base, "region_code": REGION}, ""),
            ({"kind": "custom", "region_code": REGION}, ""),
            ({**base, "scoring": {"lead_weight": -1}}, "scoring.lead_weight"),
            ({**base, "scoring": {"task_points": {"on_time": 100}}}, "scoring"),
            ({"kind": "annual", "region_code": "369999"}, "region_code"),
        ):
            r = await c.post("/api/v1/evaluations", json=body)
            assert r.status_code == 422, (body, r.text)
            assert r.json()["errors"][0]["field"].startswith(field), (body, r.json())
        r = await c.post(
            "/api/v1/evaluations",
            json={"plan_id": "00000000-0000-0000-0000-000000000000", "kind": "annual"},
        )
        assert r.status_code == 404
        for path in ("/api/v1/evaluations/not-an-id", "/api/v1/evaluations/" + "9" * 60):
            assert (await c.get(path)).status_code in (404, 422)
        # A whole region's plans, and a custom kind (a county no other test writes plans in,
        # so the evaluation holds this test's plan only).
        own, _ = await _plan(c, "360124")
        ev = ok(
            await c.post(
                "/api/v1/evaluations",
                json={"region_code": "360124", "kind": "custom", "kind_label": "专项督查"},
            ),
            201,
        )
        assert ev["plan_id"] is None and ev["kind_label"] == "专项督查"
        assert own["id"] in [p["id"] for p in ev["data"]["plans"]]


async def test_region_with_several_plans(world, tasks_app, make_token) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """A region-wide evaluation over several plans, their tasks in different states."""
    async with client_for(tasks_app, make_token("admin")) as c:
        first, _ = await _plan(c)
        second, _ = await _plan(c, tag="乙")
        # The second plan's tasks move on: one finished in time, one sent back.
        await world.execute(
            text(
                "UPDATE item SET status = CASE code WHEN '一.1' THEN 'completed' ELSE 'returned'"
                " END WHERE plan_id = :p AND kind = 'task'"
            ),
            {"p": second["id"]},
        )
        await world.execute(
            text(
                "UPDATE assignment a SET status = i.status,"
                " completed_at = CASE i.status WHEN 'completed' THEN timestamptz '2023-06-01T00:00:00Z' END"
                " FROM item i WHERE i.id = a.item_id AND i.plan_id = :p"
            ),
            {"p": second["id"]},
        )
        r = await c.post(
            "/api/v1/evaluations",
            json={"region_code": REGION, "kind": "annual", "as_of": "2024-12-31"},
        )
        assert r.status_code == 201, r.text
        ev = r.json()
        ids = [p["id"] for p in ev["data"]["plans"]]
        in_region = (
            await world.execute(
                text("SELECT id::text FROM plan WHERE region_code = :r"), {"r": REGION}
            )
        ).scalars()
        assert sorted(ids) == sorted(in_region)
        assert first["id"] in ids and second["id"] in ids
        total = (
            await world.execute(
                text(
                    "SELECT count(*) FROM item WHERE kind IN ('task', 'project')"
                    " AND plan_id IN (SELECT id FROM plan WHERE region_code = :r)"
                ),
                {"r": REGION},
            )
        ).scalar_one()
        assert ev["data"]["tasks"]["total"] == total >= 4
        assert ev["data"]["tasks"]["on_time"] >= 1 and ev["data"]["tasks"]["returned"] >= 1
        # A region without plans is a 404, never a 500.
        r = await c.post("/api/v1/evaluations", json={"region_code": "360429", "kind": "annual"})
        assert r.status_code == 404 and r.json()["code"] == "nothing_to_evaluate"
