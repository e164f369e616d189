"""Client input that PostgreSQL refuses comes back as 422 problem+json, never a 500."""

from __future__ import annotations

from tasks.world import build_world, ok


async def test_nul_bytes_in_filters_and_text_are_422_not_500(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL refuses NUL in text ("invalid byte sequence for encoding UTF8: 0x00"); that is
    # the client's input, so it must come back as 422 problem+json, not as a 500.
    w = await build_world(tasks, make_token)
    async with w.client("admin") as c:
        for path, params in [
            ("/api/v1/plans", {"q": "a\x00b"}),
            ("/api/v1/plans", {"region_code": "\x00"}),
            ("/api/v1/units", {"q": "\x00"}),
            ("/api/v1/assignments", {"status": "\x00"}),
            ("/api/v1/audit_events", {"entity": "\x00"}),
        ]:
            r = await c.get(path, params=params)
            assert r.status_code == 422, (path, params, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        r = await c.post(
            f"/api/v1/assignments/{w.ids['a1']}/reports",
            json={"percent": 50, "text": "进展\x00说明"},
        )
        assert r.status_code == 422, r.text
        # The failed write left nothing behind, and the connection is still usable.
        reports = ok(await c.get(f"/api/v1/assignments/{w.ids['a1']}/reports"))["items"]
        assert [x["id"] for x in reports] == [w.ids["r1"]]
