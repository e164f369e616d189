"""The sweep: each reminder once per (assignment, rule, period) however often it runs, moving
the day forward; notices land in the right inboxes; rules per plan, bad rules a 422."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import sqlalchemy as sa
from harness import client_for

from dudao_tasks.reminders import service
from tasks.world import ok

from .world import day, reminder_world


async def _sweep(app: Any, today: dt.date) -> int:
    async with app.state.db.sessionmaker() as session:
        n = await service.sweep(session, today=today)
        await session.commit()
    return n


async def _reminders(app: Any, w: Any) -> Counter[tuple[str, str]]:
    async with w.client("admin") as admin:
        items = ok(
            await admin.get("/api/v1/reminders", params={"plan_id": w.ids["plan"], "limit": 500})
        )["items"]
    names = {w.ids["a1"]: "a1", w.ids["a2"]: "a2", w.ids["a_co"]: "a_co"}
    return Counter((names[r["assignment_id"]], r["rule"]) for r in items)


async def test_sweep_moves_with_the_day_and_never_repeats(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await reminder_world(tasks, make_token)
    # Day 0: every next deadline is within 7 days → one due-soon reminder each.
    assert await _sweep(tasks, day(0)) == 3
    assert await _sweep(tasks, day(0)) == 0
    assert await _sweep(tasks, day(1)) == 0
    assert await _reminders(tasks, w) == Counter(
        {("a1", "due_soon"): 1, ("a_co", "due_soon"): 1, ("a2", "due_soon"): 1}
    )
    # Day 6: task 2 is overdue (once per 7-day window); task 1's next deadline is 34 days off.
    assert await _sweep(tasks, day(6)) == 1
    assert await _sweep(tasks, day(10)) == 0
    assert await _sweep(tasks, day(11)) == 1  # the second overdue window
    # Day 33: task 1's last deadline is 7 days off; 33 days without a report for everyone.
    assert await _sweep(tasks, day(33)) == 2 + 3 + 1
    assert await _sweep(tasks, day(33)) == 0
    assert await _reminders(tasks, w) == Counter(
        {
            ("a1", "due_soon"): 2,
            ("a_co", "due_soon"): 2,
            ("a2", "due_soon"): 1,
            ("a2", "overdue"): 3,
            ("a1", "no_report"): 1,
            ("a_co", "no_report"): 1,
            ("a2", "no_report"): 1,
        }
    )
    async with w.client("unit_b") as ub, w.client("unit_a") as ua:
        inbox = ok(await ub.get("/api/v1/notices", params={"limit": 50}))["items"]
        assert Counter(n["kind"] for n in inbox) == Counter(
            {"due_soon": 1, "overdue": 3, "no_report": 1}
        )
        overdue = [n for n in inbox if n["kind"] == "overdue"]
        assert all(
            "完善家庭医生签约" in n["title"] and day(3).isoformat() in n["body"] for n in overdue
        )
        assert all(n["assignment_id"] == w.ids["a2"] for n in inbox)
        assert ok(await ua.get("/api/v1/notices/unread_count")) == {"unread": 3}
        # A unit sees only the reminders sent to it.
        mine = ok(await ua.get("/api/v1/reminders", params={"limit": 500}))["items"]
        assert {r["unit_id"] for r in mine} == {w.ids["unit_a"]} and len(mine) == 3
        theirs = ok(await ua.get("/api/v1/reminders", params={"unit_id": w.ids["unit_b"]}))
        assert theirs["items"] == []


async def test_unacknowledged_assignments_are_reminded_once(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await reminder_world(tasks, make_token, acknowledged=False)
    async with w.client("unit_a") as ua:
        ok(await ua.post(f"/api/v1/assignments/{w.ids['a1']}/acknowledge"))
    # Day 6: a2 and a_co have not signed for their tasks within the default days; a1 has.
    await _sweep(tasks, day(6))
    await _sweep(tasks, day(7))
    got = await _reminders(tasks, w)
    assert {k: n for k, n in got.items() if k[1] == "not_acknowledged"} == {
        ("a2", "not_acknowledged"): 1,
        ("a_co", "not_acknowledged"): 1,
    }


async def test_completed_work_and_draft_plans_are_not_reminded(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await reminder_world(tasks, make_token)
    async with w.client("unit_b") as ub:
        ok(
            await ub.post(
                f"/api/v1/assignments/{w.ids['a2']}/reports",
                json={"percent": 100, "text": "已完成", "status": "completed"},
            ),
            201,
        )
    assert await _sweep(tasks, day(6)) == 0  # a1/a_co: next deadline 34 days off; a2 done
    async with w.client("admin") as admin:
        r = await admin.get(f"/api/v1/plans/{w.ids['plan']}")
        ok(
            await admin.patch(
                f"/api/v1/plans/{w.ids['plan']}",
                json={"status": "archived"},
                headers={"If-Match": r.headers["etag"]},
            )
        )
    assert await _sweep(tasks, day(0)) == 0


async def test_rules_per_plan(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await reminder_world(tasks, make_token)
    path = f"/api/v1/plans/{w.ids['plan']}/reminder_rules"
    async with w.client("planner") as planner, w.client("unit_a") as ua:
        r = await planner.get(path)
        defaults = ok(r)
        assert r.headers["etag"] == '"0"' and defaults["due_soon_days"] == 7
        assert ok(await ua.get(path))["version"] == 0
        body = {
            "due_soon_days": 2,
            "overdue_enabled": False,
            "overdue_every_days": None,
            "no_report_days": None,
            "not_acknowledged_days": None,
        }
        # No If-Match → 428; a stale one → 412; a unit → 403 (or 404 for its plan's writes).
        assert (await planner.put(path, json=body)).status_code == 428
        assert (await planner.put(path, json=body, headers={"If-Match": '"3"'})).status_code == 412
        assert (await ua.put(path, json=body, headers={"If-Match": '"0"'})).status_code == 403
        saved = await planner.put(path, json=body, headers={"If-Match": '"0"'})
        assert ok(saved)["version"] == 1 and saved.headers["etag"] == '"1"'
        assert ok(await planner.get(path))["due_soon_days"] == 2
    # Due-soon within 2 days only; nothing else is on.
    assert await _sweep(tasks, day(0)) == 0
    assert await _sweep(tasks, day(1)) == 1
    assert await _sweep(tasks, day(4)) == 2  # task 1's first deadline, 1 day off
    assert await _sweep(tasks, day(30)) == 0  # no overdue, no silence rule
    assert await _sweep(tasks, day(40)) == 2  # task 1's last deadline is today


async def test_bad_rules_are_422_naming_the_field(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await reminder_world(tasks, make_token)
    path = f"/api/v1/plans/{w.ids['plan']}/reminder_rules"
    async with w.client("planner") as planner, w.client("planner_other") as other:
        for field, value in (
            ("due_soon_days", -1),
            ("overdue_every_days", 0),
            ("no_report_days", -30),
            ("not_acknowledged_days", -2),
            ("due_soon_days", "soon"),
            ("extra_rule", 1),
        ):
            r = await planner.put(path, json={field: value}, headers={"If-Match": '"0"'})
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert any(e["field"].endswith(field) for e in r.json()["errors"]), r.json()
        # Another city's planner does not see the plan at all (region visibility).
        r = await other.put(path, json={}, headers={"If-Match": '"0"'})
        assert r.status_code == 404, r.text


async def test_sweep_with_contacts_writes_deliveries_and_jobs(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await reminder_world(tasks, make_token)
    async with tasks.state.db.sessionmaker() as session:
        await session.execute(
            sa.text(
                "INSERT INTO contact (id, unit_id, channel, target, secret, enabled, created_by,"
                " created_at) VALUES (gen_random_uuid(), :u, 'email', 'a@example.org', NULL,"
                " true, 't', now()), (gen_random_uuid(), :u, 'sms', '13800000000', NULL, true,"
                " 't', now()), (gen_random_uuid(), :u, 'webhook', 'https://x.example/h', NULL,"
                " false, 't', now())"
            ),
            {"u": w.ids["unit_a"]},
        )
        await session.commit()
    assert await _sweep(tasks, day(0)) == 3
    async with tasks.state.db.sessionmaker() as session:
        rows = (
            await session.execute(
                sa.text(
                    "SELECT d.channel, j.queue_name, j.task_name, j.args->>'delivery_id' = d.id::text"
                    " FROM delivery d JOIN notice n ON n.id = d.notice_id"
                    " JOIN procrastinate_jobs j ON j.args->>'delivery_id' = d.id::text"
                    " WHERE n.recipient_unit_id = :u"
                ),
                {"u": w.ids["unit_a"]},
            )
        ).all()
    # Unit A's one due-soon notice, on its two enabled contacts (the disabled webhook: none).
    assert sorted((r[0], r[1], r[2]) for r in rows) == [
        ("email", "deliver_email", "deliver"),
        ("sms", "deliver_sms", "deliver"),
    ]
    assert await _sweep(tasks, day(0)) == 0


async def test_urge_assignment_and_unit(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await reminder_world(tasks, make_token)
    a2 = w.ids["a2"]
    async with (
        w.client("planner") as planner,
        w.client("unit_b") as ub,
        w.client("unit_a") as ua,
        w.client("leader") as leader,
        w.client("planner_other") as other,
    ):
        body = {"message": "请于周五前报送整改进展"}
        r = ok(
            await planner.post(
                f"/api/v1/assignments/{a2}/urges", json=body, headers={"Idempotency-Key": "urge-1"}
            ),
            201,
        )
        again = ok(
            await planner.post(
                f"/api/v1/assignments/{a2}/urges", json=body, headers={"Idempotency-Key": "urge-1"}
            ),
            201,
        )
        assert again["id"] == r["id"] and r["rule"] == "urge" and r["message"] == body["message"]
        ok(
            await planner.post(
                f"/api/v1/units/{w.ids['unit_b']}/urges", json={"message": "请加快推进各项任务"}
            ),
            201,
        )
        inbox = ok(await ub.get("/api/v1/notices", params={"kind": "urge"}))["items"]
        assert len(inbox) == 2
        assert any(body["message"] in n["body"] and n["assignment_id"] == a2 for n in inbox)
        # Who may not: a unit (on its own assignment too), a leader, another region's planner.
        for c in (ub, ua, leader):
            assert (await c.post(f"/api/v1/assignments/{a2}/urges", json=body)).status_code == 403
        r = await other.post(f"/api/v1/assignments/{a2}/urges", json=body)
        assert r.status_code == 404, r.text
        r = await ub.post(f"/api/v1/units/{w.ids['unit_b']}/urges", json=body)
        assert r.status_code == 403
        bad = await planner.post(f"/api/v1/assignments/{a2}/urges", json={"message": ""})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("message")
        r = await planner.post("/api/v1/assignments/nope/urges", json=body)
        assert r.status_code == 404
        log = ok(await planner.get("/api/v1/reminders", params={"assignment_id": a2}))["items"]
        assert [x["rule"] for x in log] == ["urge"]


async def test_sweep_now_is_a_job_for_staff_writers(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await reminder_world(tasks, make_token)
    async with (
        w.client("planner") as planner,
        w.client("unit_a") as ua,
        client_for(tasks, make_token("leader")) as leader,
    ):
        r = ok(await planner.post("/api/v1/reminders/sweeps"), 202)
        assert r["job_id"] > 0 and r["on"] == day(0).isoformat()
        assert (await ua.post("/api/v1/reminders/sweeps")).status_code == 403
        assert (await leader.post("/api/v1/reminders/sweeps")).status_code == 403
