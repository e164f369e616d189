"""Issue 10: the indicator service recorded no who/when/before/after for indicators, targets,
grants or measurements. Every change now leaves an event in the same transaction."""

from __future__ import annotations

from harness import client_for

from indicators.helpers import IMR_TARGET, REGION, make_indicator


async def test_every_change_is_recorded_with_who_when_before_after(
    new_plan, new_unit, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan()
    unit = await new_unit()
    async with client_for(indicators, make_token("planner", region_code=REGION, sub="wang")) as c:
        ind = await make_indicator(c, plan, target=IMR_TARGET)
        r = await c.patch(
            f"/api/v1/indicators/{ind['id']}",
            json={"name": "婴儿死亡率（新）"},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        grant = await c.post(
            "/api/v1/indicator_grants",
            json={"unit_id": unit, "indicator_id": ind["id"], "region_code": REGION},
        )
        assert grant.status_code == 201, grant.text
        m = await c.post(
            "/api/v1/measurements",
            json={"indicator_id": ind["id"], "region_code": REGION, "period": "2023", "value": 5.2},
        )
        assert m.status_code == 201, m.text
        r = await c.delete(
            f"/api/v1/indicator_grants/{grant.json()['id']}", headers={"If-Match": '"1"'}
        )
        assert r.status_code == 204, r.text
        events = (await c.get(f"/api/v1/indicators/{ind['id']}/audit_events")).json()["items"]
    seen = [(e["entity"], e["action"]) for e in events]
    for expected in (
        ("indicator", "create"),
        ("target", "create"),
        ("indicator", "update"),
        ("grant", "create"),
        ("measurement", "create"),
        ("grant", "delete"),
    ):
        assert expected in seen, seen
    assert all(e["actor_sub"] == "wang" and e["actor_role"] == "planner" for e in events)
    assert all(e["at"] and e["request_id"] for e in events)
    update = next(e for e in events if (e["entity"], e["action"]) == ("indicator", "update"))
    assert (
        update["before"]["name"] == "婴儿死亡率" and update["after"]["name"] == "婴儿死亡率（新）"
    )
    deleted = next(e for e in events if e["action"] == "delete")
    assert deleted["before"]["unit_id"] == unit and deleted["after"] is None
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and None not in seqs
    # A unit token does not read the trail (it names other units' values).
    async with client_for(indicators, make_token("unit", unit_id=unit)) as u:
        r = await u.get(f"/api/v1/indicators/{ind['id']}/audit_events")
        assert r.status_code in (403, 404)
