"""Every route × every role × region. Unit B must never succeed on unit A's objects, and staff
of another city never on 新建区's (0 cross-unit, 0 cross-region)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tasks.world import (
    OTHER_REGION,
    OTHER_STAFF,
    PDF,
    REGION,
    ROLES,
    World,
    build_world,
    etag,
    rolled_back_conn,
)

# Staff whose region holds 新建区 (province-wide admin and leader, 南昌市's planner and leader).
STAFF = {"admin", "planner", "leader", "leader_city"}
WRITERS = {"admin", "planner"}
ALL = set(ROLES)
# Everyone who reaches the plan of 新建区 (unit B has a task in it).
IN_PLAN = ALL - set(OTHER_STAFF)
# Objects that belong to unit A (and are not shared with unit B) — B must never see them.
A_KEYS = ("unit_a", "task1", "a1", "r1", "f1", "ext1", "notice1", "resp1", "nfile1")
# Everything of 新建区 — staff of another city must never see any of it.
REGION_KEYS = (
    *A_KEYS,
    "plan",
    "unit_b",
    "unit_c",
    "task2",
    "task3",
    "a2",
    "a_co",
    "section",
    "bulletin1",
)


@dataclass
class Case:
    name: str
    method: str
    path: str
    ok: set[str]
    body: Callable[[World], Any] | None = None
    etag_of: str | None = None
    files: bool = False
    listing: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # Needs unit A's extension request, 督办单 with an answer and file, and a bulletin.
    loop: bool = False


def plan_create(w: World) -> dict[str, Any]:
    return {"title": "测试方案", "level": "county", "region_code": REGION}


CASES = [
    Case("list plans", "GET", "/api/v1/plans", ALL, listing=True),
    Case("create plan", "POST", "/api/v1/plans", WRITERS, body=plan_create),
    Case("get plan", "GET", "/api/v1/plans/{plan}", IN_PLAN),
    Case(
        "patch plan",
        "PATCH",
        "/api/v1/plans/{plan}",
        WRITERS,
        body=lambda w: {"issuer": "新建区政府"},
        etag_of="/api/v1/plans/{plan}",
    ),
    Case("list items", "GET", "/api/v1/plans/{plan}/items", IN_PLAN, listing=True),
    Case(
        "create item",
        "POST",
        "/api/v1/plans/{plan}/items",
        WRITERS,
        body=lambda w: {
            "parent_id": w.ids["section"],
            "kind": "task",
            "label": "9",
            "title": "新任务",
        },
    ),
    Case("plan tasks", "GET", "/api/v1/plans/{plan}/tasks", IN_PLAN, listing=True),
    Case("plan lights", "GET", "/api/v1/plans/{plan}/lights", STAFF),
    Case("plan units lights", "GET", "/api/v1/plans/{plan}/lights/units", STAFF),
    Case("ledger", "GET", "/api/v1/plans/{plan}/ledger.xlsx", STAFF),
    Case("get item", "GET", "/api/v1/items/{task1}", STAFF | {"unit_a"}),
    Case(
        "patch item",
        "PATCH",
        "/api/v1/items/{task1}",
        WRITERS,
        body=lambda w: {"title": "完善疾病预防控制体系（修订）"},
        etag_of="/api/v1/items/{task1}",
    ),
    Case(
        "move item",
        "POST",
        "/api/v1/items/{task1}/move",
        WRITERS,
        body=lambda w: {"parent_id": w.ids["section"]},
        etag_of="/api/v1/items/{task1}",
    ),
    Case(
        "delete item", "DELETE", "/api/v1/items/{task3}", WRITERS, etag_of="/api/v1/items/{task3}"
    ),
    Case("get task", "GET", "/api/v1/tasks/{task1}", STAFF | {"unit_a"}),
    Case("task assignments", "GET", "/api/v1/tasks/{task1}/assignments", STAFF | {"unit_a"}),
    Case(
        "assign unit",
        "POST",
        "/api/v1/tasks/{task1}/assignments",
        WRITERS,
        body=lambda w: {"unit_id": w.ids["unit_b"], "role": "co"},
    ),
    Case("task reports", "GET", "/api/v1/tasks/{task1}/reports", STAFF | {"unit_a"}),
    Case("task audit", "GET", "/api/v1/tasks/{task1}/audit_events", STAFF | {"unit_a"}),
    Case("list units", "GET", "/api/v1/units", ALL, listing=True),
    Case(
        "create unit",
        "POST",
        "/api/v1/units",
        WRITERS,
        body=lambda w: {
            "name": f"区医保局{w.ids['tag']}",
            "level": "county",
            "region_code": REGION,
        },
    ),
    Case(
        "resolve units",
        "POST",
        "/api/v1/units/resolve",
        STAFF,
        body=lambda w: {"region_code": REGION, "names": ["区卫健委", "各乡〔镇〕政府"]},
    ),
    Case("get unit", "GET", "/api/v1/units/{unit_a}", STAFF | {"unit_a"}),
    Case(
        "patch unit",
        "PATCH",
        "/api/v1/units/{unit_a}",
        WRITERS,
        body=lambda w: {"full_name": "新建区卫生健康委员会"},
        etag_of="/api/v1/units/{unit_a}",
    ),
    Case("unit lights", "GET", "/api/v1/units/{unit_a}/lights", STAFF | {"unit_a"}),
    Case("list assignments", "GET", "/api/v1/assignments", ALL, listing=True),
    Case("get assignment", "GET", "/api/v1/assignments/{a1}", STAFF | {"unit_a"}),
    Case(
        "unit sets status",
        "PATCH",
        "/api/v1/assignments/{a1}",
        {"admin", "unit_a"},
        body=lambda w: {"status": "in_progress"},
        etag_of="/api/v1/assignments/{a1}",
    ),
    Case(
        "planner sets role",
        "PATCH",
        "/api/v1/assignments/{a1}",
        WRITERS,
        body=lambda w: {"role": "lead"},
        etag_of="/api/v1/assignments/{a1}",
    ),
    Case(
        "delete assignment",
        "DELETE",
        "/api/v1/assignments/{a_co}",
        WRITERS,
        etag_of="/api/v1/assignments/{a_co}",
    ),
    Case(
        "review",
        "POST",
        "/api/v1/assignments/{a1}/review",
        WRITERS,
        body=lambda w: {"decision": "return", "reason": "佐证材料不全"},
        etag_of="/api/v1/assignments/{a1}",
    ),
    Case("assignment reports", "GET", "/api/v1/assignments/{a1}/reports", STAFF | {"unit_a"}),
    Case(
        "post report",
        "POST",
        "/api/v1/assignments/{a1}/reports",
        {"admin", "planner", "unit_a"},
        body=lambda w: {"percent": 100, "text": "补充说明"},
    ),
    Case("get report", "GET", "/api/v1/reports/{r1}", STAFF | {"unit_a"}),
    Case("report files", "GET", "/api/v1/reports/{r1}/files", STAFF | {"unit_a"}),
    Case(
        "upload file",
        "POST",
        "/api/v1/reports/{r1}/files",
        {"admin", "planner", "unit_a"},
        files=True,
    ),
    Case("get file", "GET", "/api/v1/files/{f1}", STAFF | {"unit_a"}),
    Case("download file", "GET", "/api/v1/files/{f1}/content", STAFF | {"unit_a"}),
    Case("list regions", "GET", "/api/v1/regions", ALL),
    Case("get region", "GET", "/api/v1/regions/" + REGION, ALL),
    Case("region children", "GET", "/api/v1/regions/360100/children", ALL),
    Case("audit events", "GET", "/api/v1/audit_events", STAFF | set(OTHER_STAFF), listing=True),
    Case("acknowledge", "POST", "/api/v1/assignments/{a1}/acknowledge", {"unit_a"}),
    Case(
        "request extension",
        "POST",
        "/api/v1/assignments/{a1}/extension_requests",
        {"admin", "planner", "unit_a"},
        body=lambda w: {"requested_due_on": "2099-12-31", "reason": "资金未到位"},
    ),
    Case("list extensions", "GET", "/api/v1/extension_requests", ALL, listing=True, loop=True),
    Case(
        "get extension", "GET", "/api/v1/extension_requests/{ext1}", STAFF | {"unit_a"}, loop=True
    ),
    Case(
        "decide extension",
        "POST",
        "/api/v1/extension_requests/{ext1}/decision",
        WRITERS,
        body=lambda w: {"decision": "approve"},
        etag_of="/api/v1/extension_requests/{ext1}",
        loop=True,
    ),
    Case(
        "raise notice",
        "POST",
        "/api/v1/assignments/{a1}/supervision_notices",
        WRITERS,
        body=lambda w: {"reason": "进度滞后"},
    ),
    Case("list notices", "GET", "/api/v1/supervision_notices", ALL, listing=True, loop=True),
    Case(
        "get notice", "GET", "/api/v1/supervision_notices/{notice1}", STAFF | {"unit_a"}, loop=True
    ),
    Case(
        "answer notice",
        "POST",
        "/api/v1/supervision_notices/{notice1}/responses",
        {"admin", "unit_a"},
        body=lambda w: {"text": "已整改"},
        loop=True,
    ),
    Case(
        "upload answer file",
        "POST",
        "/api/v1/notice_responses/{resp1}/files",
        {"admin", "unit_a"},
        files=True,
        loop=True,
    ),
    Case(
        "download answer file",
        "GET",
        "/api/v1/notice_files/{nfile1}/content",
        STAFF | {"unit_a"},
        loop=True,
    ),
    Case(
        "decide notice",
        "POST",
        "/api/v1/supervision_notices/{notice1}/decision",
        WRITERS,
        body=lambda w: {"decision": "close"},
        etag_of="/api/v1/supervision_notices/{notice1}",
        loop=True,
    ),
    Case("escalate", "POST", "/api/v1/plans/{plan}/escalation", WRITERS),
    Case("issue bulletin", "POST", "/api/v1/plans/{plan}/bulletins", WRITERS, body=lambda w: {}),
    # Another city's staff list bulletins too, but only their own region's (none of 新建区's).
    Case(
        "list bulletins",
        "GET",
        "/api/v1/bulletins",
        STAFF | set(OTHER_STAFF),
        listing=True,
        loop=True,
    ),
    Case("get bulletin", "GET", "/api/v1/bulletins/{bulletin1}", STAFF, loop=True),
    Case("bulletin xlsx", "GET", "/api/v1/bulletins/{bulletin1}/bulletin.xlsx", STAFF, loop=True),
]


async def loop_world(w: World) -> None:
    """Unit A's extension request, a 督办单 it answered with a file, and a bulletin."""
    async with w.client("unit_a") as unit, w.client("planner") as planner:
        ext = await unit.post(
            f"/api/v1/assignments/{w.ids['a1']}/extension_requests",
            json={"requested_due_on": "2099-12-31", "reason": "资金未到位"},
        )
        notice = await planner.post(
            f"/api/v1/assignments/{w.ids['a1']}/supervision_notices", json={"reason": "进度滞后"}
        )
        answer = await unit.post(
            f"/api/v1/supervision_notices/{notice.json()['id']}/responses", json={"text": "已整改"}
        )
        f = await unit.post(
            f"/api/v1/notice_responses/{answer.json()['id']}/files",
            files={"file": ("整改.pdf", PDF, "application/pdf")},
        )
        bulletin = await planner.post(f"/api/v1/plans/{w.ids['plan']}/bulletins", json={})
        for r in (ext, notice, answer, f, bulletin):
            assert r.status_code == 201, r.text
        w.ids.update(
            ext1=ext.json()["id"],
            notice1=notice.json()["id"],
            resp1=answer.json()["id"],
            nfile1=f.json()["id"],
            bulletin1=bulletin.json()["id"],
        )


async def _attempt(w: World, case: Case, role: str) -> list[str]:
    """One role's call; returns what went wrong (empty when the role got what it should)."""
    path = case.path.format(**w.ids)
    headers = {}
    if case.etag_of:
        headers["If-Match"] = await etag(w, case.etag_of.format(**w.ids))
    kw: dict[str, Any] = {"headers": headers}
    if case.body is not None:
        kw["json"] = case.body(w)
    if case.files:
        kw["files"] = {"file": ("补充.pdf", PDF, "application/pdf")}
    async with w.client(role) as c:
        r = await c.request(case.method, path, **kw)
    problems = []
    if role in case.ok and r.status_code >= 300:
        problems.append(f"{role} {case.name}: expected success, got {r.status_code} {r.text}")
    if role not in case.ok and (
        r.status_code not in (403, 404)
        or not r.headers["content-type"].startswith("application/problem+json")
    ):
        problems.append(f"{role} {case.name}: expected 403/404, got {r.status_code} {r.text}")
    if role == "unit_b" or role in OTHER_STAFF:
        a_ids = {w.ids[k] for k in (A_KEYS if role == "unit_b" else REGION_KEYS) if k in w.ids}
        # 404 hides A's object; a 403 is only allowed when the role may never call the route
        # at all (it answers the same for every id, so it reveals nothing).
        if any(i in path for i in a_ids) and not (
            r.status_code == 404 or (r.status_code == 403 and r.json()["code"] == "role_forbidden")
        ):
            problems.append(
                f"CROSS-BOUNDARY: {role} reached a foreign object via {case.name}: {r.status_code}"
            )
        if r.status_code < 300 and r.headers["content-type"].startswith("application/json"):
            leaked = [i for i in a_ids if i in json.dumps(r.json())]
            if leaked:
                problems.append(f"CROSS-BOUNDARY: {role} saw foreign ids via {case.name}: {leaked}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_role_route_matrix(tasks_app, make_token, case: Case) -> None:  # type: ignore[no-untyped-def]
    """One world per route; each role's attempt runs in its own savepoint, rolled back."""
    async with rolled_back_conn(tasks_app) as conn:
        w = await build_world(tasks_app, make_token)
        if case.loop:
            await loop_world(w)
        problems: list[str] = []
        for role in ROLES:
            attempt = await conn.begin_nested()
            try:
                problems += await _attempt(w, case, role)
            finally:
                await attempt.rollback()
    assert not problems, "\n".join(problems)


def test_matrix_covers_every_route(tasks_app) -> None:  # type: ignore[no-untyped-def]
    from fastapi.routing import APIRoute

    routes = {
        (m, r.path)
        for r in tasks_app.routes
        if isinstance(r, APIRoute) and r.path.startswith("/api/v1/")
        for m in r.methods
    }
    covered = {(c.method, c.path) for c in CASES}
    normalized = set()
    for method, path in covered:
        parts = []
        for seg in path.split("/"):
            if seg.startswith("{") or seg.isdigit():
                parts.append("*")
            else:
                parts.append(seg)
        normalized.add((method, "/".join(parts)))
    missing = []
    for method, path in routes:
        shape = "/".join("*" if seg.startswith("{") else seg for seg in path.split("/"))
        if (method, shape) not in normalized:
            missing.append(f"{method} {path}")
    assert not missing, missing


async def test_unauthenticated_is_401(tasks) -> None:  # type: ignore[no-untyped-def]
    from harness import client_for

    async with client_for(tasks) as c:
        for path in ("/api/v1/plans", "/api/v1/tasks/x", "/api/v1/regions"):
            r = await c.get(path)
            assert r.status_code == 401 and r.json()["code"] == "missing_token"


async def test_planner_of_other_region_cannot_create_there(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    from harness import client_for

    from tasks.world import staff_tokens

    tokens = staff_tokens(make_token)
    async with client_for(tasks, tokens["planner_other"]) as c:
        r = await c.post(
            "/api/v1/plans", json={"title": "x", "level": "city", "region_code": OTHER_REGION}
        )
        assert r.status_code == 201
        r = await c.post(
            "/api/v1/plans", json={"title": "x", "level": "county", "region_code": REGION}
        )
        assert r.status_code == 403 and r.json()["code"] == "region_forbidden"
