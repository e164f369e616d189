"""The public feed of the task service: disclosed plans only, public fields only, 304s."""

from __future__ import annotations

from typing import Any

from harness import client_for

from dudao_tasks.public_feed.schemas import PublicPlanDetail
from tasks.world import build_world, etag, ok


async def _disclose(w: Any, plan_id: str, **changes: Any) -> dict[str, Any]:
    async with w.client("planner") as planner:
        return ok(
            await planner.patch(
                f"/api/v1/plans/{plan_id}",
                json=changes,
                headers={"If-Match": await etag(w, f"/api/v1/plans/{plan_id}")},
            )
        )


async def test_feed_shows_disclosed_plans_only(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    plan_id = w.ids["plan"]
    anon = client_for(tasks, None)
    async with anon:
        assert (await anon.get(f"/public/v1/plans/{plan_id}")).status_code == 404
        listed = ok(await anon.get("/public/v1/plans", params={"limit": 500}))
        assert plan_id not in {p["id"] for p in listed["items"]}

        # A draft cannot be disclosed: it is not yet the commission's word.
        async with w.client("planner") as planner:
            r = await planner.patch(
                f"/api/v1/plans/{plan_id}",
                json={"disclosed": True},
                headers={"If-Match": await etag(w, f"/api/v1/plans/{plan_id}")},
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "disclosed"
        plan = await _disclose(w, plan_id, status="published", disclosed=True)
        assert plan["disclosed"] is True and plan["disclosed_at"]

        detail = ok(await anon.get(f"/public/v1/plans/{plan_id}"))
        PublicPlanDetail.model_validate(detail)
        assert detail["progress"]["total"] == 3
        assert sum(detail["progress"]["by_light"].values()) == 3
        assert detail["progress"]["by_status"].get("completed") == 1
        assert {r["region_code"] for r in detail["regions"]} == {"360112"}
        assert detail["regions"][0]["region_name"] == "新建区"
        items = ok(await anon.get(f"/public/v1/plans/{plan_id}/items", params={"limit": 2}))
        assert len(items["items"]) == 2 and items["next_cursor"]
        rest = ok(
            await anon.get(
                f"/public/v1/plans/{plan_id}/items", params={"cursor": items["next_cursor"]}
            )
        )
        every = items["items"] + rest["items"]
        assert [i["code"] for i in every] == [
            "二",
            "二.(一)",
            "二.(一).1",
            "二.(一).2",
            "二.(一).3",
        ]
        task1 = every[2]
        assert task1["lead_units"] == [f"区卫健委{w.ids['tag']}"] and task1["light"]
        assert every[0]["light"] is None and every[0]["lead_units"] == []
        # Nothing of the report (its text, its file) or of who wrote it reaches the feed.
        raw = (await anon.get(f"/public/v1/plans/{plan_id}/items")).text
        assert "已完成疾控中心改造" not in raw and "验收报告" not in raw and "sub" not in raw

        # The audit trail records who disclosed the plan.
        async with w.client("admin") as admin:
            events = ok(await admin.get("/api/v1/audit_events", params={"entity_id": plan_id}))[
                "items"
            ]
            assert any(e.get("after", {}).get("disclosed") is True for e in events)

        # Withdrawn again: gone from the feed.
        await _disclose(w, plan_id, disclosed=False)
        assert (await anon.get(f"/public/v1/plans/{plan_id}")).status_code == 404


async def test_feed_etag_and_304(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    plan_id = w.ids["plan"]
    await _disclose(w, plan_id, status="published", disclosed=True)
    async with client_for(tasks, None) as anon:
        first = await anon.get(f"/public/v1/plans/{plan_id}")
        tag = first.headers["etag"]
        assert first.status_code == 200 and "max-age" in first.headers["cache-control"]
        again = await anon.get(f"/public/v1/plans/{plan_id}", headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == tag
        # A change to the plan changes the body, so the old tag no longer matches.
        await _disclose(w, plan_id, title="新建区卫生健康服务能力提升行动计划（修订）")
        changed = await anon.get(f"/public/v1/plans/{plan_id}", headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag
        bad = await anon.get("/public/v1/plans", params={"cursor": "nonsense"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
        assert (await anon.get("/public/v1/plans/not-a-uuid")).status_code == 422
