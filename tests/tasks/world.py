"""A small world for the task-service tests: units, a plan in 新建区, tokens for every role."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from harness import client_for, rolled_back
from sqlalchemy.ext.asyncio import AsyncConnection

REGION = "360112"  # 新建区
PLANNER_REGION = "360100"  # 南昌市 covers 新建区
OTHER_REGION = "360200"  # 景德镇市
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = (
    "admin",
    "planner",
    "planner_other",
    "leader",
    "leader_city",
    "leader_other",
    "unit_a",
    "unit_b",
)
# Staff of another city (peers of 南昌市): they must reach none of 新建区's objects.
OTHER_STAFF = ("planner_other", "leader_other")


@dataclass
class World:
    app: FastAPI
    tokens: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    def client(self, role: str) -> httpx.AsyncClient:
        return client_for(self.app, self.tokens[role])


def staff_tokens(make_token: Any) -> dict[str, str]:
    return {
        "admin": make_token("admin"),
        "planner": make_token("planner", region_code=PLANNER_REGION),
        "planner_other": make_token("planner", region_code=OTHER_REGION),
        "leader": make_token("leader"),
        "leader_city": make_token("leader", region_code=PLANNER_REGION),
        "leader_other": make_token("leader", region_code=OTHER_REGION),
    }


def ok(r: httpx.Response, code: int = 200) -> Any:
    assert r.status_code == code, f"{r.request.method} {r.request.url} → {r.status_code} {r.text}"
    return (
        r.json()
        if r.content
        and r.headers.get("content-type", "").startswith("application/")
        and "json" in r.headers["content-type"]
        else r
    )


async def make_unit(
    c: httpx.AsyncClient, name: str, region: str = REGION, **kw: Any
) -> dict[str, Any]:
    return ok(
        await c.post(
            "/api/v1/units", json={"name": name, "level": "county", "region_code": region, **kw}
        ),
        201,
    )


def plan_body(units: dict[str, str], **kw: Any) -> dict[str, Any]:
    """二 section; 二.(一) section; task 1 → A (lead) + C (co); task 2 → B; task 3 unassigned."""
    return {
        "title": f"新建区卫生健康服务能力提升行动计划 {uuid.uuid4().hex[:6]}",
        "doc_number": "新府发〔2023〕3号",
        "issuer": "南昌市新建区人民政府",
        "issued_on": "2023-06-08",
        "period_start": 2023,
        "period_end": 2025,
        "level": "county",
        "region_code": REGION,
        "items": [
            {"code": "二", "kind": "section", "title": "重点任务"},
            {"code": "二.(一)", "kind": "section", "title": "公共卫生能力提升行动"},
            {
                "code": "二.(一).1",
                "kind": "task",
                "title": "完善疾病预防控制体系",
                "deadlines": [
                    {"due_on": "2023-12-31", "text": "到2023年底"},
                    {"due_on": "2025-12-31", "text": "到2025年"},
                ],
            },
            {
                "code": "二.(一).2",
                "kind": "task",
                "title": "提升重大疫情应急处置能力",
                "deadlines": [{"due_on": "2023-12-31"}],
            },
            {"code": "二.(一).3", "kind": "task", "title": "提升重大疫情救治能力"},
        ],
        "assignments": [
            {"code": "二.(一).1", "unit_id": units["a"], "role": "lead"},
            {"code": "二.(一).1", "unit_id": units["c"], "role": "co"},
            {"code": "二.(一).2", "unit_id": units["b"], "role": "lead"},
        ],
        **kw,
    }


async def build_world(app: FastAPI, make_token: Any, *, completed: bool = True) -> World:
    tokens = staff_tokens(make_token)
    w = World(app, tokens)
    async with w.client("admin") as admin:
        tag = uuid.uuid4().hex[:6]
        a = await make_unit(admin, f"区卫健委{tag}", aliases=[f"新建区卫生健康委员会{tag}"])
        b = await make_unit(admin, f"区财政局{tag}")
        c = await make_unit(admin, f"区发改委{tag}")
        w.ids.update(unit_a=a["id"], unit_b=b["id"], unit_c=c["id"], tag=tag)
        w.tokens["unit_a"] = make_token("unit", unit_id=a["id"], sub=f"unit:{a['id']}")
        w.tokens["unit_b"] = make_token("unit", unit_id=b["id"], sub=f"unit:{b['id']}")
        plan = ok(
            await admin.post(
                "/api/v1/plans", json=plan_body({"a": a["id"], "b": b["id"], "c": c["id"]})
            ),
            201,
        )
        w.ids["plan"] = plan["id"]
        items = ok(await admin.get(f"/api/v1/plans/{plan['id']}/items"))["items"]
        by_code = {i["code"]: i["id"] for i in items}
        w.ids.update(
            section=by_code["二"],
            task1=by_code["二.(一).1"],
            task2=by_code["二.(一).2"],
            task3=by_code["二.(一).3"],
        )
        asg = ok(await admin.get("/api/v1/assignments", params={"plan_id": plan["id"]}))["items"]
        for x in asg:
            key = {a["id"]: "a1", b["id"]: "a2", c["id"]: "a_co"}[x["unit_id"]]
            w.ids[key] = x["id"]
    async with w.client("unit_a") as ua:
        body: dict[str, Any] = {"percent": 100 if completed else 40, "text": "已完成疾控中心改造"}
        if completed:
            body["status"] = "completed"
        report = ok(await ua.post(f"/api/v1/assignments/{w.ids['a1']}/reports", json=body), 201)
        w.ids["r1"] = report["id"]
        f = ok(
            await ua.post(
                f"/api/v1/reports/{report['id']}/files",
                files={"file": ("验收报告.pdf", PDF, "application/pdf")},
            ),
            201,
        )
        w.ids["f1"] = f["id"]
    return w


async def etag(w: World, path: str) -> str:
    async with w.client("admin") as admin:
        r = await admin.get(path)
        assert r.status_code == 200, r.text
        return r.headers["etag"]


@contextlib.asynccontextmanager
async def rolled_back_conn(app: FastAPI) -> AsyncIterator[AsyncConnection]:
    """One world, many independent attempts against it: see ``harness.rolled_back``."""
    async with rolled_back(app) as conn:
        yield conn
