"""Lists that were bare arrays are pages now: a task's units, its audit trail, a report's files."""

from __future__ import annotations

from tasks.world import PDF, build_world, ok


async def _all(c, path: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = ok(await c.get(path, params=params))
        assert len(page["items"]) <= 1
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_nested_lists_page_one_by_one(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("unit_a") as c:
        ok(
            await c.post(
                f"/api/v1/reports/{w.ids['r1']}/files",
                files={"file": ("补充.pdf", PDF, "application/pdf")},
            ),
            201,
        )
    async with w.client("admin") as c:
        units = await _all(c, f"/api/v1/tasks/{w.ids['task1']}/assignments")
        # Leads first, then co-units.
        assert [u["role"] for u in units] == ["lead", "co"]
        assert [u["id"] for u in units] == [w.ids["a1"], w.ids["a_co"]]
        files = await _all(c, f"/api/v1/reports/{w.ids['r1']}/files")
        assert len(files) == 2 and files[0]["id"] == w.ids["f1"]
        events = await _all(c, f"/api/v1/tasks/{w.ids['task1']}/audit_events")
        whole = ok(await c.get(f"/api/v1/tasks/{w.ids['task1']}/audit_events"))
        assert [e["id"] for e in events] == [e["id"] for e in whole["items"]]
        assert [e["at"] for e in events] == sorted(e["at"] for e in events)
