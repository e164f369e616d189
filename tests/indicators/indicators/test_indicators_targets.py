"""Indicator and target rules: required direction, shapes by target kind, agreement of the
comparator with the direction, one target per scope, relative rules resolved, If-Match."""

from __future__ import annotations

from typing import Any

from harness import client_for

from indicators.helpers import IMR_TARGET, REGION, indicator_body, make_indicator


async def test_indicator_input_rules(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        plan = await new_plan()
        body = indicator_body(plan)
        del body["direction"]
        r = await c.post("/api/v1/indicators", json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "direction"
        for field, value in [
            ("name", "长" * 301),
            ("code", "x" * 65),
            ("nature", "重要"),
            ("direction", "up"),
            ("region_code", "ABCDEF"),
            ("extra", 1),
            ("threshold_on_track", 11),
        ]:
            r = await c.post("/api/v1/indicators", json={**indicator_body(plan), field: value})
            assert r.status_code == 422, (field, r.text)
            assert r.json()["errors"][0]["field"] == field
        r = await c.post(
            "/api/v1/indicators", json={**indicator_body(plan), "threshold_moderate": 0.99}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "threshold_moderate"
        ind = await make_indicator(c, plan, code="A")
        r = await c.post("/api/v1/indicators", json=indicator_body(plan, code="A"))
        assert r.status_code == 409 and r.json()["code"] == "indicator_code_taken"
        r = await c.post("/api/v1/indicators", json=indicator_body(plan, parent_id="nope"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_id"
        child = await make_indicator(c, plan, code="A.1", parent_id=ind["id"])
        r = await c.delete(f"/api/v1/indicators/{ind['id']}", headers={"If-Match": '"1"'})
        assert r.status_code == 409 and r.json()["code"] == "indicator_in_use"
        assert (await c.delete(f"/api/v1/indicators/{child['id']}")).status_code == 428
        r = await c.delete(f"/api/v1/indicators/{child['id']}", headers={"If-Match": '"1"'})
        assert r.status_code == 204
        assert (await c.get(f"/api/v1/indicators/{child['id']}")).status_code == 404


async def test_target_shapes(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan())
        base: dict[str, Any] = {"indicator_id": ind["id"], **IMR_TARGET}
        cases = [
            ({"comparator": None}, "comparator"),
            ({"value": None}, "value"),
            ({"comparator": ">="}, "comparator"),  # lower_is_better indicator
            ({"comparator": "between"}, "value_max"),
            ({"comparator": "between", "value": 5, "value_max": 4}, "value_max"),
            ({"value_max": 6}, "value_max"),
            ({"kind": "relative", "value": None}, "value"),
            ({"kind": "qualitative"}, "value"),
            ({"target_year": 2019}, "target_year"),
            ({"milestones": [{"year": 2030, "value": 4}]}, "milestones"),
            (
                {"milestones": [{"year": 2023, "value": 4}, {"year": 2023, "value": 5}]},
                "milestones",
            ),
            ({"region_code": REGION, "level": "city"}, "level"),
            ({"tolerance": 2}, "tolerance"),
            ({"kind": "percent"}, "kind"),
        ]
        for change, field in cases:
            r = await c.post("/api/v1/targets", json={**base, **change})
            assert r.status_code == 422, (change, r.text)
            assert r.json()["errors"][0]["field"] == field, (change, r.json())
        r = await c.post("/api/v1/targets", json=base)
        assert r.status_code == 201
        r = await c.post("/api/v1/targets", json=base)
        assert r.status_code == 409 and r.json()["code"] == "target_scope_taken"
        r = await c.post("/api/v1/targets", json={**base, "level": "county", "value": 5.2})
        assert r.status_code == 201 and r.json()["scope"] == "level:county"
        r = await c.post("/api/v1/targets", json={**base, "indicator_id": "missing"})
        assert r.status_code == 404


async def test_relative_target_keeps_rule_and_resolves(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(
            c,
            await new_plan(),
            name="每千人口公共卫生人员数",
            measure_unit="人",
            direction="higher_is_better",
        )
        r = await c.post(
            "/api/v1/targets",
            json={
                "indicator_id": ind["id"],
                "baseline_year": 2020,
                "baseline_value": 0.78,
                "target_year": 2025,
                "kind": "relative",
                "comparator": ">=",
                "value": 30,
                "rule_unit": "%",
                "text": "在2020年基础上增长30%",
            },
        )
        assert r.status_code == 201, r.text
        t = r.json()
        assert (t["value"], t["rule_unit"], t["resolved_value"]) == (30, "%", 1.014)
        r = await c.patch(
            f"/api/v1/targets/{t['id']}", json={"baseline_value": 1.0}, headers={"If-Match": '"1"'}
        )
        assert r.status_code == 200 and r.json()["resolved_value"] == 1.3
        r = await c.patch(
            f"/api/v1/targets/{t['id']}", json={"value": 31}, headers={"If-Match": '"1"'}
        )
        assert r.status_code == 412
        r = await c.post(
            "/api/v1/targets",
            json={
                "indicator_id": ind["id"],
                "level": "county",
                "baseline_year": 2020,
                "baseline_value": 50,
                "target_year": 2025,
                "kind": "annual_change",
                "comparator": "<=",
                "value": -0.5,
                "rule_unit": "百分点",
            },
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "comparator"


async def test_unit_sees_only_granted_indicators(
    new_plan, new_unit, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    u1 = await new_unit()
    async with client_for(indicators, make_token("admin")) as c:
        plan = await new_plan()
        mine = await make_indicator(c, plan, code="m")
        other = await make_indicator(c, plan, code="o")
        await c.post(
            "/api/v1/indicator_grants",
            json={"unit_id": u1, "indicator_id": mine["id"], "region_code": REGION},
        )
        r = await c.post(
            "/api/v1/indicator_grants",
            json={"unit_id": u1, "indicator_id": mine["id"], "region_code": "360100"},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
        r = await c.post(
            "/api/v1/indicator_grants",
            json={"unit_id": u1, "indicator_id": mine["id"], "region_code": REGION},
        )
        assert r.status_code == 409
    async with client_for(indicators, make_token("unit", unit_id=u1)) as u:
        listed = (await u.get("/api/v1/indicators", params={"plan_id": plan})).json()["items"]
        assert [i["id"] for i in listed] == [mine["id"]]
        assert (await u.get(f"/api/v1/indicators/{other['id']}")).status_code == 404
        assert (
            await u.get("/api/v1/targets", params={"indicator_id": other["id"]})
        ).status_code == 404
        grants = (await u.get("/api/v1/indicator_grants", params={"unit_id": "u2"})).json()
        assert grants["items"] == []
