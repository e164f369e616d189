"""A plan's units with their lights: counted in the summary, listed a keyset page at a time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from dudao_shared.clock import today_dependency
from dudao_shared.pagination import keyset_cursor
from tasks.world import REGION, World, make_unit, ok, staff_tokens

TODAY = dt.date(2023, 12, 26)
# Each unit leads one task: overdue → red, due within days → yellow, far → green.
DUE = {"red": "2023-12-01", "yellow": "2023-12-31", "green": "2025-12-31"}
# Names chosen so that byte order and the order of the lights cross each other.
UNITS = [
    ("red", "区卫健委"),
    ("green", "区发改委"),
    ("yellow", "区财政局"),
    ("red", "区医保局"),
    ("green", "区教育局"),
    ("red", "区民政局"),
    ("yellow", "区人社局"),
]
RANK = {"red": 0, "yellow": 1, "green": 2}


async def _plan(tasks: Any, make_token: Any) -> tuple[World, list[dict[str, Any]]]:
    w = World(tasks, staff_tokens(make_token))
    tag = uuid.uuid4().hex[:6]
    async with w.client("admin") as admin:
        units = [
            {**(await make_unit(admin, f"{name}{tag}")), "expected": light} for light, name in UNITS
        ]
        body = {
            "title": f"新建区卫生健康服务能力提升行动计划 {tag}",
            "issuer": "南昌市新建区人民政府",
            "issued_on": "2023-06-08",
            "period_start": 2023,
            "period_end": 2025,
            "level": "county",
            "region_code": REGION,
            "items": [
                {
                    "code": str(n + 1),
                    "kind": "task",
                    "title": f"任务{n + 1}",
                    "deadlines": [{"due_on": DUE[u["expected"]]}],
                }
                for n, u in enumerate(units)
            ],
            "assignments": [
                {"code": str(n + 1), "unit_id": u["id"], "role": "lead"}
                for n, u in enumerate(units)
            ],
        }
        w.ids["plan"] = ok(await admin.post("/api/v1/plans", json=body), 201)["id"]
    return w, units


async def test_units_counted_and_paged_worst_first(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tasks.dependency_overrides[today_dependency] = lambda: TODAY
    try:
        w, units = await _plan(tasks, make_token)
        path = f"/api/v1/plans/{w.ids['plan']}/lights"
        async with w.client("planner") as planner:
            summary = ok(await planner.get(path))
            assert summary["unit_counts"] == {"red": 3, "yellow": 2, "green": 2}
            assert summary["units_total"] == 7
            assert summary["light"] == "red"
            assert "units" not in summary  # the units are paged, never all in one body

            seen: list[dict[str, Any]] = []
            cursor = None
            pages = 0
            while True:
                params: dict[str, Any] = {"limit": 2}
                if cursor:
                    params["cursor"] = cursor
                page = ok(await planner.get(f"{path}/units", params=params))
                assert len(page["items"]) <= 2
                seen += page["items"]
                pages += 1
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert pages == 4
            # Every unit once, worst light first, then by name (byte order), as stored.
            expected = sorted(
                units, key=lambda u: (RANK[u["expected"]], u["name"].encode(), u["id"])
            )
            assert [u["unit_id"] for u in seen] == [u["id"] for u in expected]
            assert [u["light"] for u in seen] == [u["expected"] for u in expected]
            assert [u["unit_name"] for u in seen] == [u["name"] for u in expected]
            assert all(sum(u["counts"].values()) == 1 for u in seen)
            assert all(u["counts"][u["light"]] == 1 for u in seen)

            yellow = ok(await planner.get(f"{path}/units", params={"light": "yellow"}))
            assert {u["unit_id"] for u in yellow["items"]} == {
                u["id"] for u in units if u["expected"] == "yellow"
            }
            assert yellow["next_cursor"] is None
    finally:
        tasks.dependency_overrides.pop(today_dependency, None)


async def test_a_foreign_or_broken_cursor_is_422_naming_cursor(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w, _ = await _plan(tasks, make_token)
    async with w.client("planner") as planner:
        tasks_page = ok(
            await planner.get(f"/api/v1/plans/{w.ids['plan']}/tasks", params={"limit": 1})
        )
        edited = [
            keyset_cursor("plan-units", key)
            for key in ([0.0, "x", str(uuid.uuid4())], [3, "x", str(uuid.uuid4())], [0, 1, "x"])
        ]
        for cursor in (tasks_page["next_cursor"], "not-a-cursor", "e30", *edited):
            r = await planner.get(
                f"/api/v1/plans/{w.ids['plan']}/lights/units", params={"cursor": cursor}
            )
            assert r.status_code == 422, (cursor, r.text)
            assert r.json()["errors"][0]["field"] == "cursor"
        for key in ([1, str(uuid.uuid4())], ["a", "not-an-id"], ["a"]):
            r = await planner.get(
                f"/api/v1/plans/{w.ids['plan']}/tasks",
                params={"cursor": keyset_cursor("plan-tasks", key)},
            )
            assert r.status_code == 422, (key, r.text)
            assert r.json()["errors"][0]["field"] == "cursor"
        r = await planner.get(
            f"/api/v1/plans/{w.ids['plan']}/lights/units", params={"light": "blue"}
        )
        assert r.status_code == 422 and "light" in r.text
