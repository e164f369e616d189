"""延期申请: asked by the unit, decided by the planner; an approval moves the unit's deadline
(lights follow it), the original deadline and every request stay on record."""

from __future__ import annotations

import datetime as dt

from dudao_shared.clock import today_dependency
from tasks.world import build_world, ok


def _today(app, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    app.dependency_overrides[today_dependency] = lambda: day


async def test_request_approve_moves_the_deadline(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    a1 = w.ids["a1"]
    _today(tasks, dt.date(2025, 12, 20))
    try:
        async with (
            w.client("unit_a") as unit,
            w.client("planner") as planner,
            w.client("unit_b") as other,
        ):
            # A date before today, or not after the deadline in force: 422 naming the field.
            for bad in ("2025-12-19", "2025-12-31"):
                r = await unit.post(
                    f"/api/v1/assignments/{a1}/extension_requests",
                    json={"requested_due_on": bad, "reason": "资金未到位"},
                )
                assert r.status_code == 422, r.text
                assert r.json()["errors"][0]["field"] == "requested_due_on"
            # Not on another unit's assignment.
            r = await other.post(
                f"/api/v1/assignments/{a1}/extension_requests",
                json={"requested_due_on": "2026-03-31", "reason": "x"},
            )
            assert r.status_code == 404

            req = ok(
                await unit.post(
                    f"/api/v1/assignments/{a1}/extension_requests",
                    json={"requested_due_on": "2026-03-31", "reason": "设备招标延后"},
                ),
                201,
            )
            assert req["status"] == "pending" and req["current_due_on"] == "2025-12-31"
            r = await unit.post(
                f"/api/v1/assignments/{a1}/extension_requests",
                json={"requested_due_on": "2026-04-30", "reason": "再延"},
            )
            assert r.status_code == 409 and r.json()["code"] == "extension_request_pending"

            # Units decide nothing; another unit does not see the request.
            assert (await other.get(f"/api/v1/extension_requests/{req['id']}")).status_code == 404
            assert ok(await other.get("/api/v1/extension_requests"))["items"] == []
            r = await unit.post(
                f"/api/v1/extension_requests/{req['id']}/decision",
                json={"decision": "approve"},
                headers={"If-Match": '"1"'},
            )
            assert r.status_code == 403
            # Without If-Match the decision is refused (428).
            r = await planner.post(
                f"/api/v1/extension_requests/{req['id']}/decision", json={"decision": "approve"}
            )
            assert r.status_code == 428

            done = ok(
                await planner.post(
                    f"/api/v1/extension_requests/{req['id']}/decision",
                    json={"decision": "approve", "reason": "同意"},
                    headers={"If-Match": f'"{req["version"]}"'},
                )
            )
            assert done["status"] == "approved" and done["decided_by"]
            row = ok(await unit.get(f"/api/v1/assignments/{a1}"))
            assert row["due_on"] == "2026-03-31" and row["original_due_on"] == "2025-12-31"

            # Past the original deadline the unit is not overdue: the approved one counts.
            _today(tasks, dt.date(2026, 1, 5))
            row = ok(await unit.get(f"/api/v1/assignments/{a1}"))
            assert row["overdue"] is False and row["light"] != "red"
            other_row = ok(await planner.get(f"/api/v1/assignments/{w.ids['a2']}"))
            assert other_row["overdue"] is True and other_row["light"] == "red"
            _today(tasks, dt.date(2026, 4, 1))
            assert ok(await unit.get(f"/api/v1/assignments/{a1}"))["overdue"] is True

            # A second request is judged against the extended deadline; a rejection needs a
            # reason and leaves the deadline alone; both requests stay on record.
            _today(tasks, dt.date(2026, 3, 1))
            second = ok(
                await unit.post(
                    f"/api/v1/assignments/{a1}/extension_requests",
                    json={"requested_due_on": "2026-06-30", "reason": "再次延期"},
                ),
                201,
            )
            assert second["current_due_on"] == "2026-03-31"
            r = await planner.post(
                f"/api/v1/extension_requests/{second['id']}/decision",
                json={"decision": "reject"},
                headers={"If-Match": '"1"'},
            )
            assert r.status_code == 422
            rejected = ok(
                await planner.post(
                    f"/api/v1/extension_requests/{second['id']}/decision",
                    json={"decision": "reject", "reason": "理由不充分"},
                    headers={"If-Match": '"1"'},
                )
            )
            assert rejected["status"] == "rejected"
            r = await planner.post(
                f"/api/v1/extension_requests/{second['id']}/decision",
                json={"decision": "approve"},
                headers={"If-Match": f'"{rejected["version"]}"'},
            )
            assert r.status_code == 409 and r.json()["code"] == "extension_request_decided"
            row = ok(await unit.get(f"/api/v1/assignments/{a1}"))
            assert row["due_on"] == "2026-03-31" and row["original_due_on"] == "2025-12-31"
            mine = ok(await unit.get("/api/v1/extension_requests", params={"assignment_id": a1}))
            assert [x["status"] for x in mine["items"]] == ["rejected", "approved"]

            events = ok(await planner.get(f"/api/v1/tasks/{w.ids['task1']}/audit_events"))
            actions = [(e["entity"], e["action"]) for e in events["items"]]
            assert ("assignment", "extend") in actions
            assert actions.count(("extension_request", "create")) == 2
            assert ("extension_request", "reject") in actions
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_planner_of_another_region_cannot_decide(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    _today(tasks, dt.date(2025, 12, 20))
    try:
        async with w.client("unit_a") as unit, w.client("planner_other") as other:
            req = ok(
                await unit.post(
                    f"/api/v1/assignments/{w.ids['a1']}/extension_requests",
                    json={"requested_due_on": "2026-03-31", "reason": "设备招标延后"},
                ),
                201,
            )
            r = await other.post(
                f"/api/v1/extension_requests/{req['id']}/decision",
                json={"decision": "approve"},
                headers={"If-Match": '"1"'},
            )
            # Another city's planner does not see the request at all (region visibility).
            assert r.status_code == 404, r.text
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)
