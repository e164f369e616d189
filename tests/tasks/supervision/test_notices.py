"""督办单: escalation raises one per overdue lead assignment, staff raise them by hand, the lead
unit answers with evidence, staff send back or close; unanswered ones are listed for 约谈/通报."""

from __future__ import annotations

import datetime as dt
import re

from dudao_shared.clock import today_dependency
from tasks.world import PDF, build_world, ok

NUMBER = re.compile(r"^督办〔(\d{4})〕(\d+)号$")


def _today(app, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    app.dependency_overrides[today_dependency] = lambda: day


async def test_escalate_answer_return_close(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    plan, a1, a2 = w.ids["plan"], w.ids["a1"], w.ids["a2"]
    try:
        async with (
            w.client("planner") as planner,
            w.client("unit_a") as unit_a,
            w.client("unit_b") as unit_b,
            w.client("leader") as leader,
        ):
            # Task 2 (unit B) was due 2023-12-31: 15 days late is not yet a 督办单, 16 is.
            _today(tasks, dt.date(2024, 1, 15))
            assert ok(await planner.post(f"/api/v1/plans/{plan}/escalation"))["raised"] == []
            _today(tasks, dt.date(2024, 1, 16))
            r = await leader.post(f"/api/v1/plans/{plan}/escalation")
            assert r.status_code == 403
            result = ok(await planner.post(f"/api/v1/plans/{plan}/escalation"))
            assert [n["assignment_id"] for n in result["raised"]] == [a2]
            notice = result["raised"][0]
            m = NUMBER.match(notice["title"])
            assert m and m.group(1) == "2024"
            assert notice["source"] == "overdue" and notice["status"] == "open"
            assert notice["response_due_on"] == "2024-01-26"  # the default 10 days
            # Once only: the next sweep finds the notice open and raises nothing.
            assert ok(await planner.post(f"/api/v1/plans/{plan}/escalation"))["raised"] == []

            # By hand: a response deadline in the past is a 422 naming it; co units get none;
            # a second open notice on one assignment is a conflict.
            r = await planner.post(
                f"/api/v1/assignments/{a1}/supervision_notices",
                json={"reason": "进度滞后", "response_due_on": "2024-01-15"},
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "response_due_on"
            r = await planner.post(
                f"/api/v1/assignments/{w.ids['a_co']}/supervision_notices",
                json={"reason": "进度滞后"},
            )
            assert r.status_code == 409 and r.json()["code"] == "not_lead_assignment"
            r = await planner.post(
                f"/api/v1/assignments/{a2}/supervision_notices", json={"reason": "再督办"}
            )
            assert r.status_code == 409 and r.json()["code"] == "supervision_notice_open"
            manual = ok(
                await planner.post(
                    f"/api/v1/assignments/{a1}/supervision_notices",
                    json={"reason": "请报送疾控体系建设进展", "response_due_on": "2024-02-01"},
                ),
                201,
            )
            m2 = NUMBER.match(manual["title"])
            assert m2 and int(m2.group(2)) == int(m.group(2)) + 1
            assert manual["source"] == "manual" and manual["unit_id"] == w.ids["unit_a"]

            # Each unit sees only its own notices.
            mine = ok(await unit_b.get("/api/v1/supervision_notices"))["items"]
            assert [n["id"] for n in mine] == [notice["id"]]
            assert (
                await unit_a.get(f"/api/v1/supervision_notices/{notice['id']}")
            ).status_code == 404
            r = await unit_a.post(
                f"/api/v1/supervision_notices/{notice['id']}/responses", json={"text": "x"}
            )
            assert r.status_code == 404

            # Unit B answers with evidence; staff cannot answer for it.
            r = await planner.post(
                f"/api/v1/supervision_notices/{notice['id']}/responses", json={"text": "x"}
            )
            assert r.status_code == 403
            answer = ok(
                await unit_b.post(
                    f"/api/v1/supervision_notices/{notice['id']}/responses",
                    json={"text": "已落实应急物资储备，附验收单"},
                ),
                201,
            )
            f = ok(
                await unit_b.post(
                    f"/api/v1/notice_responses/{answer['id']}/files",
                    files={"file": ("验收单.pdf", PDF, "application/pdf")},
                ),
                201,
            )
            r = await unit_a.post(
                f"/api/v1/notice_responses/{answer['id']}/files",
                files={"file": ("x.pdf", PDF, "application/pdf")},
            )
            assert r.status_code == 404
            got = await planner.get(f"/api/v1/notice_files/{f['id']}/content")
            assert got.status_code == 200 and got.content == PDF
            assert (await unit_a.get(f"/api/v1/notice_files/{f['id']}/content")).status_code == 404

            # Staff send it back with a reason, the unit answers again, staff close it.
            current = await planner.get(f"/api/v1/supervision_notices/{notice['id']}")
            assert current.json()["status"] == "answered"
            assert current.json()["responses"][0]["files"][0]["filename"] == "验收单.pdf"
            r = await planner.post(
                f"/api/v1/supervision_notices/{notice['id']}/decision",
                json={"decision": "return"},
                headers={"If-Match": current.headers["etag"]},
            )
            assert r.status_code == 422
            returned = ok(
                await planner.post(
                    f"/api/v1/supervision_notices/{notice['id']}/decision",
                    json={"decision": "return", "reason": "缺少整改时间表"},
                    headers={"If-Match": current.headers["etag"]},
                )
            )
            assert returned["status"] == "returned" and returned["return_reason"]
            ok(
                await unit_b.post(
                    f"/api/v1/supervision_notices/{notice['id']}/responses",
                    json={"text": "补充整改时间表"},
                ),
                201,
            )
            current = await planner.get(f"/api/v1/supervision_notices/{notice['id']}")
            closed = ok(
                await planner.post(
                    f"/api/v1/supervision_notices/{notice['id']}/decision",
                    json={"decision": "close"},
                    headers={"If-Match": current.headers["etag"]},
                )
            )
            assert closed["status"] == "closed" and closed["closed_by"]
            assert len(closed["responses"]) == 2

            # Unit A never answers its notice: past the response deadline it is listed for
            # 约谈/通报, once. Unit B's closed notice is not raised again for the same deadline.
            _today(tasks, dt.date(2024, 2, 2))
            swept = ok(await planner.post(f"/api/v1/plans/{plan}/escalation"))
            assert swept["listed"] == 1 and swept["raised"] == []
            assert ok(await planner.post(f"/api/v1/plans/{plan}/escalation"))["listed"] == 0
            listed = ok(await planner.get("/api/v1/supervision_notices", params={"listed": True}))
            assert [n["id"] for n in listed["items"] if n["plan_id"] == plan] == [manual["id"]]
            assert listed["items"][0]["response_overdue"] is True

            events = ok(await planner.get(f"/api/v1/tasks/{w.ids['task2']}/audit_events"))
            actions = [e["action"] for e in events["items"] if e["entity"] == "supervision_notice"]
            assert actions == ["create", "respond", "return", "respond", "close"]
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_an_extension_delays_escalation(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    try:
        async with w.client("planner") as planner, w.client("unit_b") as unit_b:
            _today(tasks, dt.date(2024, 1, 2))
            req = ok(
                await unit_b.post(
                    f"/api/v1/assignments/{w.ids['a2']}/extension_requests",
                    json={"requested_due_on": "2024-03-31", "reason": "方案调整"},
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
            _today(tasks, dt.date(2024, 2, 1))
            assert (
                ok(await planner.post(f"/api/v1/plans/{w.ids['plan']}/escalation"))["raised"] == []
            )
            _today(tasks, dt.date(2024, 4, 16))
            raised = ok(await planner.post(f"/api/v1/plans/{w.ids['plan']}/escalation"))["raised"]
            assert [n["assignment_id"] for n in raised] == [w.ids["a2"]]
            assert "2024-03-31" in raised[0]["reason"]
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_three_urges_without_a_report_escalate(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token, completed=False)
    plan, a2 = w.ids["plan"], w.ids["a2"]
    try:
        async with w.client("planner") as planner, w.client("unit_b") as unit_b:
            # Not overdue (its deadline is far off): only the 催办 rung can raise a notice.
            _today(tasks, dt.date(2023, 6, 1))
            for i in range(2):
                ok(
                    await planner.post(
                        f"/api/v1/assignments/{a2}/urges", json={"message": f"请报送进度 {i}"}
                    ),
                    201,
                )
            assert ok(await planner.post(f"/api/v1/plans/{plan}/escalation"))["raised"] == []
            ok(
                await planner.post(f"/api/v1/assignments/{a2}/urges", json={"message": "第三次"}),
                201,
            )
            raised = ok(await planner.post(f"/api/v1/plans/{plan}/escalation"))["raised"]
            assert [(n["assignment_id"], n["source"]) for n in raised] == [(a2, "reminders")]
            assert "3 次" in raised[0]["reason"]
            assert ok(await planner.post(f"/api/v1/plans/{plan}/escalation"))["raised"] == []
            # Unit A was never urged: nothing for it; a report answers the urges of unit B.
            ok(
                await unit_b.post(f"/api/v1/assignments/{a2}/reports", json={"text": "已推进"}),
                201,
            )
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)
