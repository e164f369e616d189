"""A unit's contacts: staff of its region add and delete them, the unit reads its own; targets
checked per channel (a webhook by the SSRF rules), a webhook's secret shown once."""

from __future__ import annotations

from tasks.world import build_world, ok


async def test_contacts_by_role_and_target_rules(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    a, b = w.ids["unit_a"], w.ids["unit_b"]
    path = f"/api/v1/units/{a}/contacts"
    async with (
        w.client("planner") as planner,
        w.client("unit_a") as ua,
        w.client("unit_b") as ub,
        w.client("planner_other") as other,
        w.client("leader") as leader,
    ):
        email = ok(
            await planner.post(path, json={"channel": "email", "target": "wjw@nc.gov.cn"}), 201
        )
        assert email["secret"] is None and email["enabled"] is True
        hook = ok(
            await planner.post(
                path, json={"channel": "webhook", "target": "http://127.0.0.1:9/hook"}
            ),
            201,
        )
        assert hook["secret"].startswith("whsec_")
        ok(await planner.post(path, json={"channel": "sms", "target": "13812345678"}), 201)
        dup = await planner.post(path, json={"channel": "email", "target": "wjw@nc.gov.cn"})
        assert dup.status_code == 409 and dup.json()["code"] == "contact_exists"
        for body in (
            {"channel": "email", "target": "not-an-address"},
            {"channel": "sms", "target": "12345"},
            {"channel": "webhook", "target": "http://example.org/hook"},
            {"channel": "webhook", "target": "ftp://127.0.0.1/x"},
            {"channel": "webhook", "target": "https://user:pw@example.org/x"},
        ):
            r = await planner.post(path, json=body)
            assert r.status_code == 422, (body, r.text)
            assert [e["field"] for e in r.json()["errors"]][-1].endswith("target"), r.json()
        r = await planner.post(path, json={"channel": "fax", "target": "1"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("channel")

        listed = ok(await ua.get(path))["items"]
        assert {c["channel"] for c in listed} == {"email", "webhook", "sms"}
        assert all("secret" not in c for c in listed)
        assert (await ub.get(path)).status_code == 404
        assert ok(await leader.get(path))["items"]
        for c in (ua, leader):
            assert (
                await c.post(path, json={"channel": "email", "target": "x@y.cn"})
            ).status_code == 403
        # Another city's staff do not see the unit at all (region visibility): 404, not 403.
        r = await other.post(path, json={"channel": "email", "target": "x@y.cn"})
        assert r.status_code == 404, r.text
        assert (await other.delete(f"/api/v1/contacts/{email['id']}")).status_code == 404
        assert (await ua.delete(f"/api/v1/contacts/{email['id']}")).status_code == 403
        assert (await planner.delete(f"/api/v1/contacts/{email['id']}")).status_code == 204
        assert (await planner.delete(f"/api/v1/contacts/{email['id']}")).status_code == 404
        assert len(ok(await ua.get(path))["items"]) == 2
        assert (await planner.get(f"/api/v1/units/{b}/contacts")).status_code == 200
