"""What the item loaders refuse: a parent from another plan or one that does not exist."""

from __future__ import annotations

import uuid

from tasks.world import REGION, build_world, etag, ok


async def test_parent_must_be_an_item_of_the_same_plan(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("planner") as c:
        other = ok(
            await c.post(
                "/api/v1/plans",
                json={
                    "title": "另一方案",
                    "level": "county",
                    "region_code": REGION,
                    "items": [{"code": "一", "kind": "section", "title": "章节"}],
                },
            ),
            201,
        )
        foreign = ok(await c.get(f"/api/v1/plans/{other['id']}/items"))["items"][0]["id"]
        body = {"kind": "task", "label": "9", "title": "新任务"}
        for parent in (foreign, str(uuid.uuid4())):
            r = await c.post(
                f"/api/v1/plans/{w.ids['plan']}/items", json={**body, "parent_id": parent}
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_id"
        path = f"/api/v1/items/{w.ids['task1']}"
        tag = await etag(w, path)
        for parent in (foreign, str(uuid.uuid4())):
            r = await c.post(f"{path}/move", json={"parent_id": parent}, headers={"If-Match": tag})
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_id"
        # The rule the service keeps: no item under itself.
        r = await c.post(
            f"{path}/move", json={"parent_id": w.ids["task1"]}, headers={"If-Match": tag}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["message"] == "会形成循环"
