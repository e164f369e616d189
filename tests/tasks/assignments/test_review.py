"""The daily loop: report with evidence → completion → 退回 with a reason → fix → accept."""

from __future__ import annotations

import datetime as dt

from dudao_shared.clock import today_dependency
from tasks.world import PDF, build_world, etag, ok


async def test_report_return_fix_accept(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tasks.dependency_overrides[today_dependency] = lambda: dt.date(2025, 12, 20)
    try:
        w = await build_world(tasks, make_token, completed=False)
        a1, task1 = w.ids["a1"], w.ids["task1"]
        async with w.client("unit_a") as unit, w.client("planner") as planner:
            # Due 2025-12-31, 11 days away, in progress: yellow (due soon) is not yet it.
            row = ok(await unit.get(f"/api/v1/assignments/{a1}"))
            assert row["status"] == "in_progress" and row["due_soon"] is False
            assert row["next_due_on"] == "2025-12-31"

            # The unit completes with a report and evidence; the task follows its lead.
            r = ok(
                await unit.post(
                    f"/api/v1/assignments/{a1}/reports",
                    json={"percent": 100, "text": "疾控中心改造完成", "status": "completed"},
                ),
                201,
            )
            ok(
                await unit.post(
                    f"/api/v1/reports/{r['id']}/files",
                    files={"file": ("验收.pdf", PDF, "application/pdf")},
                ),
                201,
            )
            task = ok(await planner.get(f"/api/v1/tasks/{task1}"))
            assert task["status"] == "completed"

            # The planner returns it with a reason.
            tag = await etag(w, f"/api/v1/assignments/{a1}")
            returned = ok(
                await planner.post(
                    f"/api/v1/assignments/{a1}/review",
                    json={"decision": "return", "reason": "缺少验收报告盖章页"},
                    headers={"If-Match": tag},
                )
            )
            assert returned["status"] == "returned"
            assert returned["return_reason"] == "缺少验收报告盖章页"
            # Returning needs a reason.
            r = await planner.post(
                f"/api/v1/assignments/{a1}/review",
                json={"decision": "return"},
                headers={"If-Match": f'"{returned["version"]}"'},
            )
            assert r.status_code == 422
            # The unit sees why; its task is returned.
            mine = ok(await unit.get(f"/api/v1/assignments/{a1}"))
            assert mine["status"] == "returned" and mine["return_reason"] == "缺少验收报告盖章页"

            # Past the deadline while returned → red.
            tasks.dependency_overrides[today_dependency] = lambda: dt.date(2026, 1, 5)
            lights = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/tasks"))["items"]
            t1 = next(t for t in lights if t["id"] == task1)
            assert t1["light"] == "red" and t1["overdue"] is True and t1["status"] == "returned"

            # The unit fixes it and completes again.
            r = ok(
                await unit.post(
                    f"/api/v1/assignments/{a1}/reports",
                    json={"percent": 100, "text": "已补充盖章页", "status": "completed"},
                ),
                201,
            )
            ok(
                await unit.post(
                    f"/api/v1/reports/{r['id']}/files",
                    files={"file": ("盖章页.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")},
                ),
                201,
            )

            # The planner accepts: green for the task, the unit and (with task 2 late) a red plan.
            tag = await etag(w, f"/api/v1/assignments/{a1}")
            accepted = ok(
                await planner.post(
                    f"/api/v1/assignments/{a1}/review",
                    json={"decision": "accept"},
                    headers={"If-Match": tag},
                )
            )
            assert accepted["status"] == "accepted" and accepted["light"] == "green"
            assert ok(await planner.get(f"/api/v1/tasks/{task1}"))["status"] == "accepted"
            lights = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/tasks"))["items"]
            assert next(t for t in lights if t["id"] == task1)["light"] == "green"
            summary = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/lights"))
            assert summary["light"] == "red"  # task 2 (unit B) is overdue and not started
            assert summary["counts"]["red"] >= 1 and summary["counts"]["green"] >= 1
            # A (accepted) and its co unit C are green, B red.
            assert summary["unit_counts"] == {"green": 2, "yellow": 0, "red": 1}
            assert summary["units_total"] == 3
            paged = ok(await planner.get(f"/api/v1/plans/{w.ids['plan']}/lights/units"))
            assert [u["light"] for u in paged["items"]] == ["red", "green", "green"]  # worst first
            units = {u["unit_id"]: u for u in paged["items"]}
            assert units[w.ids["unit_a"]]["light"] == "green"
            assert units[w.ids["unit_b"]]["light"] == "red"
            # Accepted work is locked for the unit.
            r = await unit.patch(
                f"/api/v1/assignments/{a1}",
                json={"status": "in_progress"},
                headers={"If-Match": f'"{accepted["version"]}"'},
            )
            assert r.status_code == 409 and r.json()["code"] == "assignment_accepted"

            # The audit trail shows every step, in order, with who and which unit.
            events = ok(await unit.get(f"/api/v1/tasks/{task1}/audit_events"))["items"]
            steps = [(e["entity"], e["action"], (e["after"] or {}).get("status")) for e in events]
            assignment_steps = [s for s in steps if s[0] == "assignment" and s[1] != "create"]
            assert [s[2] for s in assignment_steps] == [
                "in_progress",
                "completed",
                "returned",
                "completed",
                "accepted",
            ]
            assert [s[1] for s in assignment_steps] == [
                "status",
                "status",
                "return",
                "status",
                "accept",
            ]
            ret = next(e for e in events if e["action"] == "return")
            assert ret["after"]["return_reason"] == "缺少验收报告盖章页"
            assert ret["before"]["status"] == "completed" and ret["actor_role"] == "planner"
            assert ret["unit_id"] == w.ids["unit_a"]
            assert sum(1 for s in steps if s[0] == "file") == 3
            unit_events = [e for e in events if e["actor_role"] == "unit"]
            assert all(e["actor_unit_id"] == w.ids["unit_a"] for e in unit_events)
            # Unit A is lead of task 1, so it sees the co-unit's part of the trail too; unit C
            # is not in the token world, but staff see everything.
            staff_events = ok(await planner.get(f"/api/v1/tasks/{task1}/audit_events"))["items"]
            assert len(staff_events) >= len(events)
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)
