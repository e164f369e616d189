"""Region reference data pages like every list: {items, next_cursor}, keyset on the code."""

from __future__ import annotations

from harness import client_for

from tasks.world import ok, staff_tokens


async def test_children_page_through_in_code_order(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(tasks, staff_tokens(make_token)["leader"]) as c:
        whole = ok(await c.get("/api/v1/regions/360100/children", params={"limit": 500}))
        assert whole["next_cursor"] is None and len(whole["items"]) > 3
        codes = [r["code"] for r in whole["items"]]
        assert codes == sorted(codes) and all(r["parent_code"] == "360100" for r in whole["items"])
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = ok(await c.get("/api/v1/regions/360100/children", params=params))
            assert len(page["items"]) <= 3
            seen += [r["code"] for r in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == codes
        r = await c.get("/api/v1/regions/360100/children", params={"cursor": "!!"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
        r = await c.get("/api/v1/regions/999999/children")
        assert r.status_code == 404
