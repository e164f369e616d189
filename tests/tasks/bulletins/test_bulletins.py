"""通报: counts, ranking by the plan's rule and the red list, kept as issued, JSON and .xlsx."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from dudao_shared.clock import today_dependency
from dudao_tasks.bulletins.service import issue_monthly
from tasks.world import build_world, ok


def _today(app, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    app.dependency_overrides[today_dependency] = lambda: day


async def _world_for_bulletin(tasks, make_token):  # type: ignore[no-untyped-def]
    """Unit A extends task 1 past today and has it accepted; unit B's task 2 is overdue with
    a 督办单; unit C is co on task 1."""
    w = await build_world(tasks, make_token, completed=True)
    async with w.client("unit_a") as unit, w.client("planner") as planner:
        _today(tasks, dt.date(2026, 1, 2))
        req = ok(
            await unit.post(
                f"/api/v1/assignments/{w.ids['a1']}/extension_requests",
                json={"requested_due_on": "2027-06-30", "reason": "二期工程"},
            ),
            201,
        )
        ok(
            await planner.post(
                f"/api/v1/extension_requests/{req['id']}/decision",
                json={"decision": "approve"},
                headers={"If-Match": '"1"'},
            )
        )
        _today(tasks, dt.date(2026, 1, 20))
        tag = (await planner.get(f"/api/v1/assignments/{w.ids['a1']}")).headers["etag"]
        ok(
            await planner.post(
                f"/api/v1/assignments/{w.ids['a1']}/review",
                json={"decision": "accept"},
                headers={"If-Match": tag},
            )
        )
        raised = ok(await planner.post(f"/api/v1/plans/{w.ids['plan']}/escalation"))["raised"]
        assert [n["assignment_id"] for n in raised] == [w.ids["a2"]]
        w.ids["notice"] = raised[0]["id"]
        w.ids["notice_title"] = raised[0]["title"]
    return w


async def test_on_demand_bulletin_counts_ranks_and_keeps(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    try:
        w = await _world_for_bulletin(tasks, make_token)
        plan = w.ids["plan"]
        async with (
            w.client("planner") as planner,
            w.client("unit_a") as unit,
            w.client("leader") as leader,
        ):
            assert (await unit.post(f"/api/v1/plans/{plan}/bulletins", json={})).status_code == 403
            r = await planner.post(
                f"/api/v1/plans/{plan}/bulletins", json={"region_code": "999999"}
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
            b = ok(await planner.post(f"/api/v1/plans/{plan}/bulletins", json={}), 201)
            c = b["content"]
            assert b["kind"] == "on_demand" and b["region_code"] == "360112"
            assert c["totals"] == {
                "assignments": 3,
                "done": 2,  # task 1 accepted: its lead A, and its co unit C with it
                "on_time": 2,
                "late": 0,
                "returned": 0,
                "overdue": 1,  # task 2 (B)
                "open_notices": 1,
            }
            names = {w.ids["unit_a"]: "A", w.ids["unit_b"]: "B", w.ids["unit_c"]: "C"}
            ranking = [(names[u["unit_id"]], u["rank"], u["score"]) for u in c["units"]]
            # A and C: on time 1 → 100 each (tied: 区卫健委 before 区发改委 by code point);
            # B: overdue 1 + an open notice → −150.
            assert ranking == [("A", 1, 100.0), ("C", 2, 100.0), ("B", 3, -150.0)]
            red = [(r["task_code"], r["notice"], r["days_overdue"]) for r in c["red_list"]]
            assert red == [("二.(一).2", w.ids["notice_title"], 751)]
            assert c["ranking_rule"]["weights"]["overdue"] == -1.0

            # Units do not read bulletins; leaders do.
            assert (await unit.get(f"/api/v1/bulletins/{b['id']}")).status_code == 403
            assert ok(await leader.get(f"/api/v1/bulletins/{b['id']}"))["content"] == c

            # Later changes do not rewrite an issued bulletin.
            tag = (await planner.get(f"/api/v1/assignments/{w.ids['a_co']}")).headers["etag"]
            ok(
                await planner.patch(
                    f"/api/v1/assignments/{w.ids['a_co']}",
                    json={"role": "co"},
                    headers={"If-Match": tag},
                )
            )
            async with w.client("admin") as admin:
                tag = (await admin.get(f"/api/v1/assignments/{w.ids['a2']}")).headers["etag"]
                ok(
                    await admin.patch(
                        f"/api/v1/assignments/{w.ids['a2']}",
                        json={"status": "completed"},
                        headers={"If-Match": tag},
                    )
                )
            again = ok(await planner.get(f"/api/v1/bulletins/{b['id']}"))
            assert again["content"] == c
            fresh = ok(await planner.post(f"/api/v1/plans/{plan}/bulletins", json={}), 201)
            assert fresh["content"]["totals"]["overdue"] == 0

            # The .xlsx opens with its three sheets and the ranking in order.
            x = await leader.get(f"/api/v1/bulletins/{b['id']}/bulletin.xlsx")
            assert x.status_code == 200
            wb = load_workbook(io.BytesIO(x.content))
            assert wb.sheetnames == ["总体情况", "单位排名", "红榜"]
            rows = list(wb["单位排名"].iter_rows(min_row=3, values_only=True))
            assert [r[0] for r in rows] == [1, 2, 3]
            assert rows[0][1].startswith("区卫健委") and rows[2][1].startswith("区财政局")
            assert rows[2][-1] == -150
            assert [r[1] for r in wb["红榜"].iter_rows(min_row=3, values_only=True)] == [
                "二.(一).2"
            ]

            listing = ok(await leader.get("/api/v1/bulletins", params={"plan_id": plan}))
            assert [x["id"] for x in listing["items"]] == [fresh["id"], b["id"]]
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_ranking_rule_is_the_plans(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    try:
        w = await _world_for_bulletin(tasks, make_token)
        plan = w.ids["plan"]
        async with w.client("planner") as planner:
            r = await planner.get(f"/api/v1/plans/{plan}")
            bad = await planner.patch(
                f"/api/v1/plans/{plan}",
                json={"supervision_rules": {"ranking_weights": {"speed": 1}}},
                headers={"If-Match": r.headers["etag"]},
            )
            assert bad.status_code == 422
            bad = await planner.patch(
                f"/api/v1/plans/{plan}",
                json={"supervision_rules": {"ack_days": -1}},
                headers={"If-Match": r.headers["etag"]},
            )
            assert bad.status_code == 422 and "ack_days" in bad.json()["errors"][0]["field"]
            # Open notices weigh nothing and overdue work weighs −3 here.
            changed = ok(
                await planner.patch(
                    f"/api/v1/plans/{plan}",
                    json={
                        "supervision_rules": {"ranking_weights": {"open_notices": 0, "overdue": -3}}
                    },
                    headers={"If-Match": r.headers["etag"]},
                )
            )
            assert changed["supervision_rules"]["ranking_weights"]["on_time"] == 1.0
            c = ok(await planner.post(f"/api/v1/plans/{plan}/bulletins", json={}), 201)["content"]
            assert [u["score"] for u in c["units"]] == [100.0, 100.0, -300.0]
            assert c["units"][2]["unit_id"] == w.ids["unit_b"]
            assert c["ranking_rule"]["weights"]["overdue"] == -3
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_monthly_bulletin_is_issued_once(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    try:
        w = await _world_for_bulletin(tasks, make_token)
        plan = w.ids["plan"]
        async with w.client("admin") as admin:
            r = await admin.get(f"/api/v1/plans/{plan}")
            ok(
                await admin.patch(
                    f"/api/v1/plans/{plan}",
                    json={"status": "published"},
                    headers={"If-Match": r.headers["etag"]},
                )
            )
        async with tasks.state.db.sessionmaker() as session:
            first = await issue_monthly(session, today=dt.date(2026, 2, 1))
            again = await issue_monthly(session, today=dt.date(2026, 2, 3))
            await session.commit()
        mine = [b for b in first if str(b.plan_id) == plan]
        assert len(mine) == 1 and not [b for b in again if str(b.plan_id) == plan]
        assert (mine[0].period_start, mine[0].period_end) == (
            dt.date(2026, 1, 1),
            dt.date(2026, 1, 31),
        )
        assert mine[0].title.endswith("（2026年1月）")
        async with w.client("leader") as leader:
            got = ok(await leader.get(f"/api/v1/bulletins/{mine[0].id}"))
            assert got["kind"] == "scheduled" and got["content"]["totals"]["assignments"] == 3
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)
