"""A published plan whose deadlines sit a few days from today, for the reminder tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from dudao_shared.clock import get_today
from tasks.world import REGION, World, make_unit, ok, staff_tokens


def day(n: int) -> dt.date:
    return get_today() + dt.timedelta(days=n)


async def reminder_world(app: Any, make_token: Any, *, acknowledged: bool = True) -> World:
    """Task 1 (deadlines today+5 and today+40) → unit A lead, unit C co; task 2 (today+3) →
    unit B lead; the plan published; each unit has signed for (签收) its assignment unless
    ``acknowledged=False``."""
    w = World(app, staff_tokens(make_token))
    tag = uuid.uuid4().hex[:6]
    async with w.client("admin") as admin:
        units = {
            k: await make_unit(admin, f"{name}{tag}")
            for k, name in (("a", "区卫健委"), ("b", "区财政局"), ("c", "区发改委"))
        }
        for k, u in units.items():
            w.ids[f"unit_{k}"] = u["id"]
            w.tokens[f"unit_{k}"] = make_token("unit", unit_id=u["id"], sub=f"unit:{u['id']}")
        plan = ok(
            await admin.post(
                "/api/v1/plans",
                json={
                    "title": f"新建区健康服务行动计划 {tag}",
                    "level": "county",
                    "region_code": REGION,
                    "items": [
                        {"code": "一", "kind": "section", "title": "重点任务"},
                        {
                            "code": "一.1",
                            "kind": "task",
                            "title": "建设区域医疗中心",
                            "deadlines": [
                                {"due_on": day(5).isoformat()},
                                {"due_on": day(40).isoformat()},
                            ],
                        },
                        {
                            "code": "一.2",
                            "kind": "task",
                            "title": "完善家庭医生签约",
                            "deadlines": [{"due_on": day(3).isoformat()}],
                        },
                    ],
                    "assignments": [
                        {"code": "一.1", "unit_id": units["a"]["id"], "role": "lead"},
                        {"code": "一.1", "unit_id": units["c"]["id"], "role": "co"},
                        {"code": "一.2", "unit_id": units["b"]["id"], "role": "lead"},
                    ],
                },
            ),
            201,
        )
        w.ids["plan"] = plan["id"]
        r = await admin.get(f"/api/v1/plans/{plan['id']}")
        ok(
            await admin.patch(
                f"/api/v1/plans/{plan['id']}",
                json={"status": "published"},
                headers={"If-Match": r.headers["etag"]},
            )
        )
        asg = ok(await admin.get("/api/v1/assignments", params={"plan_id": plan["id"]}))["items"]
        names = {units["a"]["id"]: "a1", units["b"]["id"]: "a2", units["c"]["id"]: "a_co"}
        for x in asg:
            w.ids[names[x["unit_id"]]] = x["id"]
    if acknowledged:
        for key, unit in (("a1", "unit_a"), ("a2", "unit_b"), ("a_co", "unit_c")):
            async with w.client(unit) as c:
                ok(await c.post(f"/api/v1/assignments/{w.ids[key]}/acknowledge"))
    return w
