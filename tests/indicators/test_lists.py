"""Every list route answers {items, next_cursor}, keyset-paged; a bad cursor or sort is a 422
naming it."""

from __future__ import annotations

from harness import client_for

from indicators.helpers import IMR_TARGET, make_indicator, measure


async def test_targets_and_corrections_are_pages(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan(), target=IMR_TARGET)
        r = await c.post(
            "/api/v1/targets",
            json={**IMR_TARGET, "indicator_id": ind["id"], "level": "county"},
        )
        assert r.status_code == 201, r.text
        first = (
            await c.get("/api/v1/targets", params={"indicator_id": ind["id"], "limit": 1})
        ).json()
        assert [t["scope"] for t in first["items"]] == ["all"] and first["next_cursor"]
        rest = (
            await c.get(
                "/api/v1/targets",
                params={"indicator_id": ind["id"], "limit": 1, "cursor": first["next_cursor"]},
            )
        ).json()
        assert [t["scope"] for t in rest["items"]] == ["level:county"]
        assert rest["next_cursor"] is None

        m = await measure(c, ind["id"], "2023", 5.2)
        url = f"/api/v1/measurements/{m['id']}"
        for n, value in enumerate((5.1, 5.0), start=1):
            r = await c.patch(
                url, json={"value": value, "reason": "复核"}, headers={"If-Match": f'"{n}"'}
            )
            assert r.status_code == 200, r.text
        page = (await c.get(f"{url}/corrections", params={"limit": 1})).json()
        assert [h["new_value"] for h in page["items"]] == [5.1]
        page = (
            await c.get(f"{url}/corrections", params={"limit": 1, "cursor": page["next_cursor"]})
        ).json()
        assert [h["new_value"] for h in page["items"]] == [5.0] and page["next_cursor"] is None


async def test_bad_cursor_or_order_is_422_naming_it(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan())
        for path, params in (
            ("/api/v1/targets", {"indicator_id": ind["id"], "cursor": "not-a-cursor"}),
            ("/api/v1/indicator_grants", {"cursor": "bm90IGpzb24"}),
            ("/api/v1/assessments", {"cursor": "e30"}),
        ):
            r = await c.get(path, params=params)
            assert r.status_code == 422, (path, r.text)
            assert r.json()["errors"][0]["field"] == "cursor"
        r = await c.get("/api/v1/indicators", params={"order": "-version"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "order"
