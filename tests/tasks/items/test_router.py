"""The item tree: codes from labels, moves and relayout."""

from __future__ import annotations

from tasks.world import build_world, etag, ok


async def test_item_tree_codes_and_moves(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("planner") as c:
        plan = w.ids["plan"]
        sec = ok(
            await c.post(
                f"/api/v1/plans/{plan}/items",
                json={
                    "kind": "section",
                    "label": "（二）",
                    "title": "医疗服务能力提升行动",
                    "parent_id": w.ids["section"],
                },
            ),
            201,
        )
        assert sec["code"] == "二.(二)"
        r = await c.post(
            f"/api/v1/plans/{plan}/items",
            json={
                "kind": "section",
                "label": "(二)",
                "title": "重复",
                "parent_id": w.ids["section"],
            },
        )
        assert r.status_code == 409 and r.json()["code"] == "item_code_taken"
        first = ok(
            await c.post(
                f"/api/v1/plans/{plan}/items",
                json={
                    "kind": "task",
                    "label": "1.",
                    "title": "提升医院能力",
                    "parent_id": sec["id"],
                    "deadlines": [{"due_on": "2024-06-30", "text": "2024年6月底前"}],
                },
            ),
            201,
        )
        assert first["code"] == "二.(二).1" and first["due_on"] == "2024-06-30"
        # Move task 3 under the new section, first place: code and order follow.
        tag = await etag(w, f"/api/v1/items/{w.ids['task3']}")
        moved = ok(
            await c.post(
                f"/api/v1/items/{w.ids['task3']}/move",
                json={"parent_id": sec["id"], "position": 0},
                headers={"If-Match": tag},
            )
        )
        assert moved["code"] == "二.(二).3" and moved["position"] == 0
        codes = [i["code"] for i in ok(await c.get(f"/api/v1/plans/{plan}/items"))["items"]]
        assert codes == [
            "二",
            "二.(一)",
            "二.(一).1",
            "二.(一).2",
            "二.(二)",
            "二.(二).3",
            "二.(二).1",
        ]
        # Relabel a section: its subtree's codes follow.
        tag = await etag(w, f"/api/v1/items/{sec['id']}")
        ok(
            await c.patch(
                f"/api/v1/items/{sec['id']}", json={"label": "(三)"}, headers={"If-Match": tag}
            )
        )
        codes = [i["code"] for i in ok(await c.get(f"/api/v1/plans/{plan}/items"))["items"]]
        assert "二.(三).3" in codes and "二.(三).1" in codes
        # No cycles.
        tag = await etag(w, f"/api/v1/items/{w.ids['section']}")
        r = await c.post(
            f"/api/v1/items/{w.ids['section']}/move",
            json={"parent_id": sec["id"]},
            headers={"If-Match": tag},
        )
        assert r.status_code == 422
        # A task with units keeps a lead.
        tag = await etag(w, f"/api/v1/assignments/{w.ids['a1']}")
        r = await c.patch(
            f"/api/v1/assignments/{w.ids['a1']}", json={"role": "co"}, headers={"If-Match": tag}
        )
        assert r.status_code == 409 and r.json()["code"] == "lead_required"
