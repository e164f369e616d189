"""Units: credit codes, aliases and name resolution."""

from __future__ import annotations

from harness import client_for

from tasks.world import REGION, make_unit, ok, staff_tokens


async def test_units_uscc_aliases_and_resolution(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tokens = staff_tokens(make_token)
    async with client_for(tasks, tokens["planner"]) as c:
        r = await c.post(
            "/api/v1/units",
            json={"name": "区卫健委", "level": "county", "region_code": REGION, "uscc": "123"},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "uscc"
        unit = await make_unit(
            c,
            "区卫健委",
            full_name="新建区卫生健康委员会",
            aliases=["新建区卫生健康委员会", "区卫生健康委"],
            uscc="91350100M000100Y43",
        )
        assert unit["uscc"] == "91350100M000100Y43"
        town = await make_unit(c, "各乡（镇）政府", level="township")
        r = await c.post(
            "/api/v1/units", json={"name": "区卫生健康委", "level": "county", "region_code": REGION}
        )
        assert r.status_code == 409 and r.json()["code"] == "unit_name_taken"
        res = ok(
            await c.post(
                "/api/v1/units/resolve",
                json={
                    "region_code": REGION,
                    "names": [
                        "区卫健委",
                        "新建区卫生健康委员会",
                        "各乡〔镇〕政府",
                        "县〔区〕卫健委",
                        "各乡(镇)政府",
                    ],
                },
            )
        )
        got = [
            (i["status"], i["matched_by"], i["unit"]["id"] if i["unit"] else None)
            for i in res["items"]
        ]
        assert got == [
            ("resolved", "name", unit["id"]),
            ("resolved", "alias", unit["id"]),
            ("resolved", "name", town["id"]),
            ("unresolved", None, None),
            ("resolved", "name", town["id"]),
        ]
        assert res["unresolved"] == ["县〔区〕卫健委"]
        # Nothing was created by resolving.
        listed = ok(await c.get("/api/v1/units", params={"region_code": REGION, "q": "县"}))[
            "items"
        ]
        assert listed == []
        # A renamed unit keeps its history and stops resolving after its end date.
        tag = f'"{unit["version"]}"'
        ok(
            await c.patch(
                f"/api/v1/units/{unit['id']}",
                json={"active_until": "2020-01-01"},
                headers={"If-Match": tag},
            )
        )
        res = ok(
            await c.post(
                "/api/v1/units/resolve", json={"region_code": REGION, "names": ["区卫健委"]}
            )
        )
        assert res["unresolved"] == ["区卫健委"]
