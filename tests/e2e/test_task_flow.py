"""Issue 3 through the gateway: a plan reaches its units, units report, planners review.

Everything here goes through the gateway to the task service running as a real uvicorn process
on PostgreSQL (the session's ``running_platform``). Each test makes its own plan and units.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook

from e2e.helpers import (
    Actor,
    client,
    create_unit,
    etag,
    ok,
    staff,
    tiny_pdf,
    tiny_png,
    uniq,
    unit_actor,
)

pytestmark = pytest.mark.e2e

REGION = "360900"  # 宜春市
OTHER_REGION = "360100"  # 南昌市
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _day(delta: int) -> str:
    return (TODAY + dt.timedelta(days=delta)).isoformat()


@pytest.fixture(scope="module")
def people(running_platform) -> Iterator[dict[str, Actor]]:  # type: ignore[no-untyped-def]
    admin_token = running_platform.login()
    admin_http = client(running_platform.gateway, admin_token)
    out = {
        "admin": Actor("admin", "admin", admin_token, admin_http),
        "planner": staff(running_platform, admin_http, "planner", region_code=REGION),
        "planner_other": staff(running_platform, admin_http, "planner", region_code=OTHER_REGION),
        "leader": staff(running_platform, admin_http, "leader"),
    }
    yield out
    for actor in out.values():
        actor.close()


def _plan(
    planner: httpx.Client,
    *,
    items: list[dict[str, Any]],
    assignments: list[dict[str, Any]],
    light_rules: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": uniq("宜春市卫生健康督导计划-"),
        "level": "city",
        "region_code": REGION,
        "period_start": 2021,
        "period_end": 2025,
        "items": items,
        "assignments": assignments,
    }
    if light_rules is not None:
        body["light_rules"] = light_rules
    return ok(planner.post("/api/v1/plans", json=body), 201)


def _tasks_by_code(http: httpx.Client, plan_id: str) -> dict[str, dict[str, Any]]:
    page = ok(http.get(f"/api/v1/plans/{plan_id}/tasks", params={"limit": 200}), 200)
    return {t["code"]: t for t in page["items"]}


def _items_by_code(http: httpx.Client, plan_id: str) -> dict[str, dict[str, Any]]:
    page = ok(http.get(f"/api/v1/plans/{plan_id}/items", params={"limit": 200}), 200)
    return {i["code"]: i for i in page["items"]}


def _assignments(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    return ok(http.get("/api/v1/assignments", params={"limit": 200, **params}), 200)["items"]


def _upload(
    http: httpx.Client, report_id: str, name: str, data: bytes, ctype: str
) -> httpx.Response:
    return http.post(f"/api/v1/reports/{report_id}/files", files={"file": (name, data, ctype)})


# --- the whole flow -----------------------------------------------------------------------


def test_plan_to_units_report_return_fix_accept_with_lights_and_audit(
    running_platform, people
) -> None:  # type: ignore[no-untyped-def]
    planner, leader = people["planner"], people["leader"]
    unit_a = create_unit(planner.http, uniq("袁州区卫健委"), "360902")
    unit_b = create_unit(planner.http, uniq("樟树市卫健委"), "360982")
    unit_c = create_unit(planner.http, uniq("宜春市疾控中心"), REGION)
    # Distinct lights for each step: awaiting review → yellow, returned → red.
    rules = {"awaiting_review_light": "yellow", "returned_light": "red"}
    plan = _plan(
        planner.http,
        light_rules=rules,
        items=[
            {"code": "一", "kind": "section", "title": "健全公共卫生体系"},
            {
                "code": "一.1",
                "kind": "task",
                "title": "建设市级疾控实验室",
                "deadlines": [{"due_on": _day(120), "text": "年底前"}],
            },
            {
                "code": "一.2",
                "kind": "task",
                "title": "推进医共体建设",
                "deadlines": [{"due_on": _day(200)}],
            },
            {"code": "二", "kind": "section", "title": "提升医疗服务能力"},
            {
                "code": "二.1",
                "kind": "task",
                "title": "完成基层机构达标改造",
                "deadlines": [{"due_on": _day(-10), "text": "已到期"}],
            },
        ],
        assignments=[
            {"code": "一.1", "unit_id": unit_a["id"], "role": "lead"},
            {"code": "一.1", "unit_id": unit_c["id"], "role": "co"},
            {"code": "一.2", "unit_id": unit_b["id"], "role": "lead"},
            {"code": "二.1", "unit_id": unit_a["id"], "role": "lead"},
            {"code": "二.1", "unit_id": unit_b["id"], "role": "co"},
        ],
    )
    pid = plan["id"]
    items = _items_by_code(planner.http, pid)
    assert [items[c]["kind"] for c in ("一", "一.1", "一.2", "二", "二.1")] == [
        "section",
        "task",
        "task",
        "section",
        "task",
    ]
    assert items["一.1"]["parent_id"] == items["一"]["id"]
    t1, t2, t3 = items["一.1"]["id"], items["一.2"]["id"], items["二.1"]["id"]

    a = unit_actor(running_platform, planner.http, unit_a)
    b = unit_actor(running_platform, planner.http, unit_b)
    c = unit_actor(running_platform, planner.http, unit_c)
    try:
        # --- each unit sees exactly its own assignments -------------------------------------
        all_rows = _assignments(planner.http, plan_id=pid)
        assert len(all_rows) == 5
        own = {
            u.unit_id: {r["id"] for r in all_rows if r["unit_id"] == u.unit_id} for u in (a, b, c)
        }
        for u in (a, b, c):
            seen = _assignments(u.http, plan_id=pid)
            assert {r["id"] for r in seen} == own[u.unit_id], u.name
            # asking for another unit's rows gives nothing
            other = next(x for x in (a, b, c) if x is not u)
            assert _assignments(u.http, unit_id=str(other.unit_id)) == []
        a1 = next(r for r in all_rows if r["task_id"] == t1 and r["unit_id"] == a.unit_id)
        b2 = next(r for r in all_rows if r["task_id"] == t2 and r["unit_id"] == b.unit_id)
        assert a1["role"] == "lead" and a1["status"] == "not_started" and a1["light"] == "green"
        # Task lists and item lists are filtered to the unit's own tasks.
        assert set(_tasks_by_code(a.http, pid)) == {"一.1", "二.1"}
        assert set(_tasks_by_code(b.http, pid)) == {"一.2", "二.1"}
        assert set(_tasks_by_code(c.http, pid)) == {"一.1"}
        assert set(_items_by_code(b.http, pid)) == {"一.2", "二.1"}
        assert [u["id"] for u in ok(a.http.get("/api/v1/units"), 200)["items"]] == [a.unit_id]
        # Another unit's ids are 404, never 403 (nothing is revealed).
        for path in (
            f"/api/v1/assignments/{a1['id']}",
            f"/api/v1/tasks/{t1}",
            f"/api/v1/tasks/{t1}/audit_events",
            f"/api/v1/units/{a.unit_id}",
        ):
            assert b.http.get(path).status_code == 404, path
        assert a.http.get(f"/api/v1/assignments/{b2['id']}").status_code == 404
        # A co-unit reaches the task it helps with, but not the others.
        assert ok(b.http.get(f"/api/v1/tasks/{t3}"), 200)["id"] == t3
        assert c.http.get(f"/api/v1/tasks/{t3}").status_code == 404
        assert a.http.get(f"/api/v1/tasks/{t2}").status_code == 404

        # --- unit A updates its assignment with If-Match ------------------------------------
        path_a1 = f"/api/v1/assignments/{a1['id']}"
        tag = etag(a.http, path_a1)
        assert a.http.patch(path_a1, json={"status": "in_progress"}).status_code == 428
        assert (
            a.http.patch(
                path_a1, json={"status": "in_progress"}, headers={"If-Match": '"999"'}
            ).status_code
            == 412
        )
        r = a.http.patch(path_a1, json={"status": "in_progress"}, headers={"If-Match": tag})
        assert ok(r, 200)["status"] == "in_progress"
        assert r.headers["etag"] != tag
        # A stale ETag is refused now that the version moved on.
        assert (
            a.http.patch(
                path_a1, json={"status": "in_progress"}, headers={"If-Match": tag}
            ).status_code
            == 412
        )
        # A unit cannot change its role.
        assert (
            a.http.patch(
                path_a1, json={"role": "co"}, headers={"If-Match": r.headers["etag"]}
            ).status_code
            == 403
        )

        # --- a progress report with an evidence PDF -------------------------------------------
        report1 = ok(
            a.http.post(
                f"{path_a1}/reports", json={"text": "实验室主体完工，设备招标中", "percent": 60}
            ),
            201,
        )
        assert report1["unit_id"] == a.unit_id and report1["task_id"] == t1
        pdf = tiny_pdf("lab")
        f1 = ok(_upload(a.http, report1["id"], "实验室照片说明.pdf", pdf, "application/pdf"), 201)
        assert f1["content_type"] == "application/pdf" and f1["size"] == len(pdf)
        assert f1["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert f1["filename"] == "实验室照片说明.pdf"
        got = a.http.get(f"/api/v1/files/{f1['id']}/content")
        assert got.status_code == 200 and got.content == pdf
        assert got.headers["content-type"].startswith("application/pdf")
        # Content decides the type, not the name: text bytes named .pdf are stored as text.
        assert ok(_upload(a.http, report1["id"], "x.pdf", b"plain words", "application/pdf"), 201)[
            "content_type"
        ].startswith("text/plain")
        assert (
            _upload(
                a.http, report1["id"], "x.bin", b"\x00\x01\x02\xff" * 8, "application/octet-stream"
            ).status_code
            == 415
        )
        # Unit B cannot see, download or add to A's report and file.
        for path in (
            f"/api/v1/reports/{report1['id']}",
            f"/api/v1/reports/{report1['id']}/files",
            f"/api/v1/files/{f1['id']}",
            f"/api/v1/files/{f1['id']}/content",
        ):
            assert b.http.get(path).status_code == 404, path
        assert _upload(b.http, report1["id"], "p.png", tiny_png(), "image/png").status_code == 404
        assert b.http.post(f"{path_a1}/reports", json={"text": "冒名填报"}).status_code == 404
        # The co-unit C does not see the lead's report either (only leads see co reports).
        assert c.http.get(f"/api/v1/reports/{report1['id']}").status_code == 404
        # The leader reads but never writes.
        assert leader.http.get(f"/api/v1/reports/{report1['id']}").status_code == 200
        assert leader.http.post(f"{path_a1}/reports", json={"text": "x"}).status_code == 403

        # --- unit A completes: awaiting review (yellow by this plan's rules) ------------------
        done1 = ok(
            a.http.post(
                f"{path_a1}/reports",
                json={"text": "已完工，待验收", "percent": 100, "status": "completed"},
            ),
            201,
        )
        assert done1["status"] == "completed"
        row = ok(a.http.get(path_a1), 200)
        assert row["status"] == "completed" and row["completed_at"]
        task = _tasks_by_code(planner.http, pid)["一.1"]
        assert (task["status"], task["light"]) == ("completed", "yellow")
        assert "awaiting_review" in task["light_reasons"]

        # --- the planner returns it (退回) with a reason --------------------------------------
        review_path = f"{path_a1}/review"
        tag = etag(planner.http, path_a1)
        assert (
            planner.http.post(
                review_path, json={"decision": "return"}, headers={"If-Match": tag}
            ).status_code
            == 422
        )
        assert (
            planner.http.post(review_path, json={"decision": "return", "reason": "x"}).status_code
            == 428
        )
        # Another city's planner does not see the assignment at all (region visibility): 404.
        assert (
            people["planner_other"]
            .http.post(review_path, json={"decision": "accept"}, headers={"If-Match": tag})
            .status_code
            == 404
        )
        assert (
            a.http.post(
                review_path, json={"decision": "accept"}, headers={"If-Match": tag}
            ).status_code
            == 403
        )
        reason = "佐证材料缺少验收报告，请补充"
        returned = ok(
            planner.http.post(
                review_path,
                json={"decision": "return", "reason": reason},
                headers={"If-Match": tag},
            ),
            200,
        )
        assert returned["status"] == "returned" and returned["return_reason"] == reason
        assert returned["light"] == "red" and "returned" in returned["light_reasons"]
        # Reviewing again is refused: nothing awaits review.
        assert (
            planner.http.post(
                review_path,
                json={"decision": "accept"},
                headers={"If-Match": etag(planner.http, path_a1)},
            ).status_code
            == 409
        )
        # The unit sees the reason.
        seen = ok(a.http.get(path_a1), 200)
        assert seen["status"] == "returned" and seen["return_reason"] == reason
        task = _tasks_by_code(planner.http, pid)["一.1"]
        assert (task["status"], task["light"]) == ("returned", "red")

        # --- the unit fixes it: new report with evidence, completes again ---------------------
        fix = ok(
            a.http.post(
                f"{path_a1}/reports",
                json={"text": "已补充验收报告", "percent": 100, "status": "completed"},
            ),
            201,
        )
        png = tiny_png()
        f2 = ok(_upload(a.http, fix["id"], "验收报告.png", png, "image/png"), 201)
        assert f2["content_type"] == "image/png"
        assert ok(a.http.get(path_a1), 200)["status"] == "completed"
        reports = ok(a.http.get(f"{path_a1}/reports"), 200)["items"]
        assert [rep["id"] for rep in reports][:2] == [fix["id"], done1["id"]]
        assert {f["id"] for rep in reports for f in rep["files"]} >= {f1["id"], f2["id"]}

        # --- the planner accepts ---------------------------------------------------------------
        accepted = ok(
            planner.http.post(
                review_path,
                json={"decision": "accept"},
                headers={"If-Match": etag(planner.http, path_a1)},
            ),
            200,
        )
        assert accepted["status"] == "accepted" and accepted["return_reason"] is None
        assert accepted["light"] == "green" and accepted["reviewed_by"]
        task = _tasks_by_code(planner.http, pid)["一.1"]
        assert (task["status"], task["light"]) == ("accepted", "green")
        assert ok(planner.http.get(f"/api/v1/tasks/{t1}"), 200)["status"] == "accepted"
        # Accepted work is locked against the unit.
        assert (
            a.http.patch(
                path_a1, json={"status": "in_progress"}, headers={"If-Match": etag(a.http, path_a1)}
            ).status_code
            == 409
        )

        # --- the audit trail shows each step, in order ----------------------------------------
        events = ok(planner.http.get(f"/api/v1/tasks/{t1}/audit_events"), 200)["items"]
        mine = [e for e in events if e["unit_id"] == a.unit_id]
        steps = [(e["entity"], e["action"], (e["after"] or {}).get("status")) for e in mine]
        expected = [
            ("assignment", "create", None),
            ("assignment", "status", "in_progress"),
            ("report", "create", None),
            ("file", "create", None),
            ("file", "create", None),
            ("report", "create", "completed"),
            ("assignment", "status", "completed"),
            ("assignment", "return", "returned"),
            ("report", "create", "completed"),
            ("assignment", "status", "completed"),
            ("file", "create", None),
            ("assignment", "accept", "accepted"),
        ]
        assert steps == expected, steps
        by_step = dict(zip(expected, mine, strict=True))
        unit_step = by_step[("assignment", "status", "in_progress")]
        assert unit_step["actor_role"] == "unit" and unit_step["actor_unit_id"] == a.unit_id
        assert unit_step["before"] == {"status": "not_started"}
        ret = by_step[("assignment", "return", "returned")]
        assert ret["actor_role"] == "planner" and ret["actor_unit_id"] is None
        assert ret["before"]["status"] == "completed" and ret["after"]["return_reason"] == reason
        assert by_step[("assignment", "accept", "accepted")]["before"]["status"] == "completed"
        # The lead unit reads the task's trail; the co-unit only task-level events and its own.
        assert [
            e["id"] for e in ok(a.http.get(f"/api/v1/tasks/{t1}/audit_events"), 200)["items"]
        ] == [e["id"] for e in events]
        c_events = ok(c.http.get(f"/api/v1/tasks/{t1}/audit_events"), 200)["items"]
        assert c_events and all(e["unit_id"] in (None, c.unit_id) for e in c_events)
        # The plan-wide audit list is for staff only.
        assert a.http.get("/api/v1/audit_events", params={"plan_id": pid}).status_code == 403
        assert leader.http.get("/api/v1/audit_events", params={"plan_id": pid}).status_code == 200

        # --- the ledger: one row per task, with units, states and lights -----------------------
        r = leader.http.get(f"/api/v1/plans/{pid}/ledger.xlsx")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        ws = load_workbook(io.BytesIO(r.content)).active
        rows = [list(row) for row in ws.iter_rows(values_only=True)]
        assert rows[0][:7] == ["序号", "编号", "任务", "牵头单位", "配合单位", "完成时限", "状态"]
        assert rows[0][9] == "亮灯"
        body = rows[1:]
        assert len(body) == 3  # sections are not rows
        by_code = {row[1]: row for row in body}
        assert [row[1] for row in body] == ["一.1", "一.2", "二.1"]
        assert [row[0] for row in body] == [1, 2, 3]
        l1, l2, l3 = by_code["一.1"], by_code["一.2"], by_code["二.1"]
        assert (l1[2], l1[3], l1[4]) == ("建设市级疾控实验室", unit_a["name"], unit_c["name"])
        assert (l1[6], l1[8], l1[9]) == ("已完成（审核通过）", "100%", "绿")
        assert "已补充验收报告" in l1[7]
        assert _day(120) in l1[5] and "年底前" in l1[5]
        assert (l2[3], l2[4] or "", l2[6], l2[9]) == (unit_b["name"], "", "未启动", "绿")
        assert (l3[3], l3[4], l3[6], l3[9]) == (unit_a["name"], unit_b["name"], "未启动", "红")
        # The ledger is for staff; units get 403.
        assert a.http.get(f"/api/v1/plans/{pid}/ledger.xlsx").status_code == 403

        lights = ok(planner.http.get(f"/api/v1/plans/{pid}/lights"), 200)
        assert lights["light"] == "red" and lights["counts"] == {"green": 2, "yellow": 0, "red": 1}
        paged = ok(planner.http.get(f"/api/v1/plans/{pid}/lights/units"), 200)["items"]
        unit_lights = {u["unit_id"]: u["light"] for u in paged}
        assert unit_lights[a.unit_id] == "red" and unit_lights[c.unit_id] == "green"
    finally:
        for u in (a, b, c):
            u.close()


# --- role × route matrix ------------------------------------------------------------------


def test_role_route_matrix_has_no_cross_unit_success(running_platform, people) -> None:  # type: ignore[no-untyped-def]
    planner = people["planner"]
    unit_a = create_unit(planner.http, uniq("万载县卫健委"), "360922")
    unit_b = create_unit(planner.http, uniq("上高县卫健委"), "360923")
    spare = [create_unit(planner.http, uniq("配合单位"), REGION)["id"] for _ in range(2)]
    plan = _plan(
        planner.http,
        items=[
            {"code": "一", "kind": "section", "title": "章节"},
            {
                "code": "一.1",
                "kind": "task",
                "title": "A 的任务",
                "deadlines": [{"due_on": _day(60)}],
            },
        ],
        assignments=[{"code": "一.1", "unit_id": unit_a["id"], "role": "lead"}],
    )
    pid = plan["id"]
    t1 = _items_by_code(planner.http, pid)["一.1"]["id"]
    # Unit B works on another plan of the same region: it is a real, active unit.
    other = _plan(
        planner.http,
        items=[{"code": "一", "kind": "task", "title": "B 的任务"}],
        assignments=[{"code": "一", "unit_id": unit_b["id"], "role": "lead"}],
    )
    ua = unit_actor(running_platform, planner.http, unit_a)
    ub = unit_actor(running_platform, planner.http, unit_b)
    actors = {**people, "unit_a": ua, "unit_b": ub}
    admin = people["admin"].http
    try:
        a1 = _assignments(admin, plan_id=pid)[0]["id"]
        r1 = ok(ua.http.post(f"/api/v1/assignments/{a1}/reports", json={"text": "进展"}), 201)["id"]
        f1 = ok(_upload(ua.http, r1, "e.pdf", tiny_pdf(), "application/pdf"), 201)["id"]
        b_own = _assignments(ub.http)
        assert len(b_own) == 1 and b_own[0]["plan_id"] == other["id"]

        # Another city's planner does not see this region's objects (region visibility): 404.
        staff_ok = {"admin": 200, "planner": 200, "planner_other": 404, "leader": 200}
        reads_unit = {**staff_ok, "unit_a": 200, "unit_b": 404}
        staff_only = {**staff_ok, "unit_a": 403, "unit_b": 403}
        reads = {
            f"/api/v1/plans/{pid}": reads_unit,
            f"/api/v1/plans/{pid}/items": reads_unit,
            f"/api/v1/plans/{pid}/tasks": reads_unit,
            f"/api/v1/plans/{pid}/lights": staff_only,
            f"/api/v1/plans/{pid}/ledger.xlsx": staff_only,
            f"/api/v1/tasks/{t1}": reads_unit,
            f"/api/v1/tasks/{t1}/assignments": reads_unit,
            f"/api/v1/tasks/{t1}/reports": reads_unit,
            f"/api/v1/tasks/{t1}/audit_events": reads_unit,
            f"/api/v1/items/{t1}": reads_unit,
            f"/api/v1/assignments/{a1}": reads_unit,
            f"/api/v1/assignments/{a1}/reports": reads_unit,
            f"/api/v1/reports/{r1}": reads_unit,
            f"/api/v1/reports/{r1}/files": reads_unit,
            f"/api/v1/files/{f1}": reads_unit,
            f"/api/v1/files/{f1}/content": reads_unit,
            f"/api/v1/units/{ua.unit_id}": reads_unit,
            f"/api/v1/units/{ua.unit_id}/lights": reads_unit,
            f"/api/v1/audit_events?plan_id={pid}": {
                **staff_only,
                "planner_other": 200,
            },  # a listing: empty for another city
        }
        got: dict[tuple[str, str], int] = {}
        want: dict[tuple[str, str], int] = {}
        for path, expected in reads.items():
            for role, actor in actors.items():
                got[(role, "GET " + path)] = actor.http.get(path).status_code
                want[(role, "GET " + path)] = expected[role]

        # Writes. Each allowed write must really succeed, so state is prepared before it.
        writer = {"admin": 200, "planner": 200, "planner_other": 404, "leader": 403}
        # POST on unit A's objects: staff of the region and unit A create; unit B finds nothing.
        creator_own = {**writer, "admin": 201, "planner": 201, "unit_a": 201, "unit_b": 404}
        # POST that only staff of the region may make.
        creator_staff = {**writer, "admin": 201, "planner": 201, "unit_a": 403, "unit_b": 403}
        path_a1 = f"/api/v1/assignments/{a1}"
        plan_path = f"/api/v1/plans/{pid}"

        def attempt(role: str, actor: Actor, name: str, expected: int, send) -> None:  # type: ignore[no-untyped-def]
            got[(role, name)] = send(actor.http).status_code
            want[(role, name)] = expected

        spare_iter = iter(spare)
        for role, actor in actors.items():
            # PATCH an assignment: units set the status, staff the role.
            body = {"status": "in_progress"} if actor.role == "unit" else {"role": "lead"}
            attempt(
                role,
                actor,
                "PATCH assignment",
                {**writer, "unit_a": 200, "unit_b": 404}[role],
                lambda h, body=body: h.patch(
                    path_a1, json=body, headers={"If-Match": etag(admin, path_a1)}
                ),
            )
            attempt(
                role,
                actor,
                "POST assignment report",
                creator_own[role],
                lambda h: h.post(f"{path_a1}/reports", json={"text": "矩阵"}),
            )
            attempt(
                role,
                actor,
                "POST report file",
                creator_own[role],
                lambda h: _upload(h, r1, "m.png", tiny_png(), "image/png"),
            )
            # Review needs a completion to review: unit A completes before each attempt.
            ok(
                ua.http.patch(
                    path_a1,
                    json={"status": "completed"},
                    headers={"If-Match": etag(ua.http, path_a1)},
                ),
                200,
            )
            attempt(
                role,
                actor,
                "POST review (return)",
                {**writer, "unit_a": 403, "unit_b": 403}[role],
                lambda h: h.post(
                    f"{path_a1}/review",
                    json={"decision": "return", "reason": "矩阵退回"},
                    headers={"If-Match": etag(admin, path_a1)},
                ),
            )
            attempt(
                role,
                actor,
                "PATCH plan",
                {**writer, "unit_a": 403, "unit_b": 403}[role],
                lambda h: h.patch(
                    plan_path,
                    json={"issuer": uniq("宜春市人民政府")},
                    headers={"If-Match": etag(admin, plan_path)},
                ),
            )
            attempt(
                role,
                actor,
                "POST plan item",
                creator_staff[role],
                lambda h: h.post(
                    f"{plan_path}/items",
                    json={"kind": "task", "label": uniq("专栏"), "title": "新增任务"},
                ),
            )
            expected_assign = creator_staff[role]
            unit_for = next(spare_iter) if expected_assign == 201 else spare[0]
            attempt(
                role,
                actor,
                "POST task assignment",
                expected_assign,
                lambda h, u=unit_for: h.post(
                    f"/api/v1/tasks/{t1}/assignments", json={"unit_id": u, "role": "co"}
                ),
            )
            attempt(
                role,
                actor,
                "POST unit",
                {**creator_staff, "planner_other": 403}[role],  # no object to hide: the write rule
                lambda h: h.post(
                    "/api/v1/units",
                    json={"name": uniq("新单位"), "level": "county", "region_code": "360902"},
                ),
            )

        diffs = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
        assert diffs == {}, diffs
        cross = [k for k, code in got.items() if k[0] == "unit_b" and code < 300]
        assert cross == []
        # Whatever unit A may do on its ids, unit B gets 404 for: the ids do not exist for it.
        assert all(got[("unit_b", k[1])] == 404 for k in want if k[0] == "unit_a" and want[k] < 300)
        # B's lists hold nothing of A's.
        assert a1 not in {x["id"] for x in _assignments(ub.http)}
        assert ok(ub.http.get("/api/v1/plans", params={"limit": 200}), 200)[
            "items"
        ] and pid not in {
            p["id"] for p in ok(ub.http.get("/api/v1/plans", params={"limit": 200}), 200)["items"]
        }
        assert [u["id"] for u in ok(ub.http.get("/api/v1/units"), 200)["items"]] == [ub.unit_id]
        # No call in the matrix ended in a server error.
        assert not [k for k, code in got.items() if code >= 500]
    finally:
        ua.close()
        ub.close()


# --- concurrency and idempotency through the gateway --------------------------------------


def _one_task_plan(planner: Actor, unit: dict[str, Any]) -> tuple[str, str]:
    plan = _plan(
        planner.http,
        items=[
            {"code": "一", "kind": "task", "title": "并发任务", "deadlines": [{"due_on": _day(90)}]}
        ],
        assignments=[{"code": "一", "unit_id": unit["id"], "role": "lead"}],
    )
    row = _assignments(planner.http, plan_id=plan["id"])[0]
    return plan["id"], row["id"]


def test_fifty_concurrent_updates_with_one_etag_one_wins(running_platform, people) -> None:  # type: ignore[no-untyped-def]
    planner = people["planner"]
    unit = create_unit(planner.http, uniq("宜丰县卫健委"), "360924")
    _, aid = _one_task_plan(planner, unit)
    ua = unit_actor(running_platform, planner.http, unit)
    path = f"/api/v1/assignments/{aid}"
    try:
        tag = etag(ua.http, path)
        n = 50
        barrier = threading.Barrier(n)
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        with httpx.Client(
            base_url=running_platform.gateway,
            timeout=20,
            limits=limits,
            headers={"Authorization": f"Bearer {ua.token}"},
        ) as shared:
            shared.get("/api/v1/units")  # warm one connection

            def one(i: int) -> int:
                barrier.wait()
                r = shared.patch(path, json={"status": "in_progress"}, headers={"If-Match": tag})
                return r.status_code

            with ThreadPoolExecutor(max_workers=n) as pool:
                codes = list(pool.map(one, range(n)))
        assert Counter(codes) == {200: 1, 412: 49}, Counter(codes)
        row = ok(ua.http.get(path), 200)
        assert row["status"] == "in_progress" and row["version"] == int(tag.strip('"')) + 1
        events = ok(planner.http.get(f"/api/v1/tasks/{row['task_id']}/audit_events"), 200)["items"]
        assert sum(1 for e in events if e["action"] == "status") == 1
    finally:
        ua.close()


def test_twenty_identical_report_posts_with_one_key_store_one_report(
    running_platform, people
) -> None:  # type: ignore[no-untyped-def]
    planner = people["planner"]
    unit = create_unit(planner.http, uniq("奉新县卫健委"), "360921")
    _, aid = _one_task_plan(planner, unit)
    ua = unit_actor(running_platform, planner.http, unit)
    path = f"/api/v1/assignments/{aid}/reports"
    key = uniq("idem-")
    body = {"text": "同一份进展，网络重试", "percent": 30}
    try:
        n = 20
        barrier = threading.Barrier(n)
        with httpx.Client(
            base_url=running_platform.gateway,
            timeout=20,
            limits=httpx.Limits(max_connections=n),
            headers={"Authorization": f"Bearer {ua.token}"},
        ) as shared:

            def one(i: int) -> httpx.Response:
                barrier.wait()
                for _ in range(20):  # a duplicate caught mid-flight is told to retry (409)
                    r = shared.post(path, json=body, headers={"Idempotency-Key": key})
                    if r.status_code != 409:
                        return r
                    time.sleep(float(r.headers.get("retry-after", "0.1")) / 10)
                return r

            with ThreadPoolExecutor(max_workers=n) as pool:
                responses = list(pool.map(one, range(n)))
        codes = Counter(r.status_code for r in responses)
        assert codes == {201: n}, (codes, [r.text for r in responses if r.status_code != 201][:3])
        ids = {r.json()["id"] for r in responses}
        assert len(ids) == 1
        assert sum(1 for r in responses if r.headers.get("idempotent-replayed") == "true") == n - 1
        stored = ok(ua.http.get(path), 200)["items"]
        assert [s["id"] for s in stored] == list(ids)
        # The same key with another body is refused; a new key makes a second report.
        assert (
            ua.http.post(
                path, json={**body, "percent": 31}, headers={"Idempotency-Key": key}
            ).status_code
            == 422
        )
        ok(ua.http.post(path, json=body, headers={"Idempotency-Key": uniq("idem-")}), 201)
        assert len(ok(ua.http.get(path), 200)["items"]) == 2
    finally:
        ua.close()


# --- revocation ---------------------------------------------------------------------------


def test_revoked_unit_token_fails_at_gateway(running_platform, people) -> None:  # type: ignore[no-untyped-def]
    planner = people["planner"]
    unit = create_unit(planner.http, uniq("靖安县卫健委"), "360925")
    _, aid = _one_task_plan(planner, unit)
    ua = unit_actor(running_platform, planner.http, unit)
    try:
        assert ua.http.get(f"/api/v1/assignments/{aid}").status_code == 200
        assert ok(ua.http.get("/api/v1/auth/me"), 200)["unit_id"] == unit["id"]
        listed = ok(planner.http.get("/api/v1/unit_tokens", params={"unit_id": unit["id"]}), 200)[
            "items"
        ]
        assert [t["id"] for t in listed] == [ua.unit_token_id]
        assert "token" not in listed[0]
        # A unit cannot revoke tokens; the leader cannot either.
        assert ua.http.delete(f"/api/v1/unit_tokens/{ua.unit_token_id}").status_code == 403
        assert (
            people["leader"].http.delete(f"/api/v1/unit_tokens/{ua.unit_token_id}").status_code
            == 403
        )
        revoked = ok(planner.http.delete(f"/api/v1/unit_tokens/{ua.unit_token_id}"), 200)
        assert revoked["revoked_at"]
        for path in (
            f"/api/v1/assignments/{aid}",
            "/api/v1/units",
            "/api/v1/indicators",
            "/api/v1/auth/me",
        ):
            r = ua.http.get(path)
            assert r.status_code == 401, (path, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        r = ua.http.post(f"/api/v1/assignments/{aid}/reports", json={"text": "撤销后填报"})
        assert r.status_code == 401
        # The unit token itself no longer exchanges.
        r = httpx.post(
            running_platform.gateway + "/api/v1/auth/unit_token", json={"token": ua.unit_token}
        )
        assert r.status_code == 401 and r.json()["code"] == "invalid_unit_token"
        # Nothing was written by the refused request.
        assert ok(planner.http.get(f"/api/v1/assignments/{aid}/reports"), 200)["items"] == []
    finally:
        ua.close()
