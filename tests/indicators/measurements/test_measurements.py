"""Measurements: validation by measure unit, one value per indicator × region × period,
explicit corrections with history, the submit/approve workflow and optimistic locking."""

from __future__ import annotations

import asyncio

from harness import client_for

from indicators.helpers import (
    COUNTY,
    IMR_TARGET,
    REGION,
    indicator_body,
    make_indicator,
    measure,
)


async def test_percent_outside_0_100_is_422_naming_the_field(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(
            c,
            await new_plan(),
            name="居民健康素养水平",
            measure_unit="%",
            direction="higher_is_better",
        )
        for bad in (101, -0.5):
            r = await c.post(
                "/api/v1/measurements",
                json={
                    "indicator_id": ind["id"],
                    "region_code": REGION,
                    "period": "2023",
                    "value": bad,
                },
            )
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["errors"][0]["field"] == "value"
        await measure(c, ind["id"], "2023", 100)


async def test_negative_count_is_422(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(
            c,
            await new_plan(),
            name="每千人口医疗卫生机构床位数",
            measure_unit="张",
            direction="higher_is_better",
        )
        r = await c.post(
            "/api/v1/measurements",
            json={"indicator_id": ind["id"], "region_code": REGION, "period": "2023", "value": -1},
        )
        assert r.status_code == 422
        assert r.json()["errors"] == [
            {"field": "value", "message": r.json()["errors"][0]["message"]}
        ]
        assert "负数" in r.json()["errors"][0]["message"]


async def test_indicator_may_allow_out_of_range(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(
            c,
            await new_plan(),
            name="健康服务业总规模年均增速",
            measure_unit="%",
            direction="higher_is_better",
            allow_out_of_range=True,
        )
        await measure(c, ind["id"], "2023", -3.5)


async def test_bad_inputs_are_422_never_500(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan())
        base = {"indicator_id": ind["id"], "region_code": REGION, "period": "2023", "value": 5}
        for field, value in [
            ("period", "2023Q5"),
            ("period", "23"),
            ("region_code", "36090"),
            ("value", "NaN"),
            ("value", "1e400"),
            ("value", "abc"),
            ("source", "x" * 5000),
            ("note", "长" * 3000),
        ]:
            r = await c.post("/api/v1/measurements", json={**base, field: value})
            assert r.status_code == 422, (field, value, r.text)
            assert r.json()["errors"][0]["field"] == field
        for path in (
            "/api/v1/measurements/not-a-uuid",
            "/api/v1/measurements/" + "x" * 300,
            "/api/v1/indicators/../../etc",
            "/api/v1/targets/123",
        ):
            r = await c.get(path)
            assert r.status_code in (404, 422), (path, r.status_code)
        r = await c.get("/api/v1/measurements", params={"cursor": "!!!"})
        assert r.status_code == 422


async def test_off_track_submission_needs_a_note(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan(), target=IMR_TARGET)
        r = await c.post(
            "/api/v1/measurements",
            json={
                "indicator_id": ind["id"],
                "region_code": REGION,
                "period": "2023",
                "value": 5.6,
                "submit": True,
            },
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "note"
        assert "出现倒退" in r.json()["errors"][0]["message"]
        # Nothing was half-written: the same period is still free.
        draft = await measure(c, ind["id"], "2023", 5.6, submit=False)
        assert draft["status"] == "draft"
        r = await c.post(f"/api/v1/measurements/{draft['id']}/submit", headers={"If-Match": '"1"'})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
        r = await c.patch(
            f"/api/v1/measurements/{draft['id']}",
            json={"note": "统计口径调整"},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        r = await c.post(
            f"/api/v1/measurements/{draft['id']}/submit", headers={"If-Match": r.headers["ETag"]}
        )
        assert r.status_code == 200 and r.json()["status"] == "submitted"
        # On track needs no note.
        await measure(c, ind["id"], "2024", 5.05)


async def test_one_value_per_period_and_corrections_keep_history(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan(), target=IMR_TARGET)
        m = await measure(c, ind["id"], "2023", "5.20", source="年报")
        assert (m["value"], m["value_text"]) == (5.2, "5.20")  # the digits as entered
        r = await c.post(
            "/api/v1/measurements",
            json={"indicator_id": ind["id"], "region_code": REGION, "period": "2023", "value": 5.1},
        )
        assert r.status_code == 409 and r.json()["code"] == "measurement_exists"
        url = f"/api/v1/measurements/{m['id']}"
        r = await c.patch(url, json={"value": 5.1, "reason": "x"})
        assert r.status_code == 428, r.text
        assert (
            await c.patch(url, json={"value": 5.1, "reason": "x"}, headers={"If-Match": '"7"'})
        ).status_code == 412
        r = await c.patch(url, json={"value": 5.1}, headers={"If-Match": '"1"'})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        r = await c.patch(
            url, json={"value": 5.1, "reason": "复核后更正"}, headers={"If-Match": '"1"'}
        )
        assert r.status_code == 200, r.text
        assert r.headers["ETag"] == '"2"' and r.json()["value"] == 5.1
        hist = (await c.get(f"{url}/corrections")).json()["items"]
        assert [(h["old_value"], h["new_value"], h["reason"]) for h in hist] == [
            (5.2, 5.1, "复核后更正")
        ]
        a = (await c.get("/api/v1/assessments", params={"indicator_id": ind["id"]})).json()
        assert a["items"][0]["latest_value"] == 5.1  # recomputed on write


async def test_workflow_and_unit_rights(new_plan, new_unit, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    plan = await new_plan()
    unit_a = await new_unit(COUNTY, "county")
    async with client_for(indicators, make_token("planner", region_code=REGION)) as planner:
        ind = await make_indicator(planner, plan, target=IMR_TARGET)
        r = await planner.post(
            "/api/v1/indicator_grants",
            json={"unit_id": unit_a, "indicator_id": ind["id"], "region_code": COUNTY},
        )
        assert r.status_code == 201, r.text
    async with client_for(indicators, make_token("unit", unit_id=unit_a)) as unit:
        m = await measure(unit, ind["id"], "2023", 5.2, region=COUNTY, submit=False)
        assert m["reporting_unit_id"] == unit_a
        r = await unit.post(
            "/api/v1/measurements",
            json={"indicator_id": ind["id"], "region_code": REGION, "period": "2023", "value": 5},
        )
        assert r.status_code == 403 and r.json()["code"] == "not_granted"
        r = await unit.post(f"/api/v1/measurements/{m['id']}/submit", headers={"If-Match": '"1"'})
        assert r.status_code == 200
        r = await unit.post(f"/api/v1/measurements/{m['id']}/approve", headers={"If-Match": '"2"'})
        assert r.status_code == 403
    async with client_for(indicators, make_token("leader")) as leader:
        r = await leader.post(
            f"/api/v1/measurements/{m['id']}/approve", headers={"If-Match": '"2"'}
        )
        assert r.status_code == 403
    async with client_for(indicators, make_token("planner", region_code="360100")) as other:
        r = await other.post(f"/api/v1/measurements/{m['id']}/approve", headers={"If-Match": '"2"'})
        assert r.status_code == 404  # another city sees none of it
    async with client_for(indicators, make_token("planner", region_code=REGION)) as planner:
        r = await planner.post(
            f"/api/v1/measurements/{m['id']}/approve", headers={"If-Match": '"2"'}
        )
        assert r.status_code == 200 and r.json()["status"] == "approved"
        r = await planner.post(
            f"/api/v1/measurements/{m['id']}/approve", headers={"If-Match": '"3"'}
        )
        assert r.status_code == 409
    async with client_for(indicators, make_token("unit", unit_id=unit_a)) as unit:
        r = await unit.patch(
            f"/api/v1/measurements/{m['id']}",
            json={"value": 5, "reason": "x"},
            headers={"If-Match": '"3"'},
        )
        assert r.status_code == 409 and r.json()["code"] == "measurement_approved"


async def test_fifty_concurrent_updates_one_wins(new_plan, indicators_app, make_token) -> None:  # type: ignore[no-untyped-def]
    """Real concurrency (separate connections, committed data): exactly 1 × 200 and 49 × 412."""
    plan = await new_plan()
    async with client_for(indicators_app, make_token("admin")) as c:
        r = await c.post(
            "/api/v1/indicators",
            json=indicator_body(plan, measure_unit="张", direction="higher_is_better"),
        )
        ind = r.json()
        m = await measure(c, ind["id"], "2023", 10)

        async def patch(i: int) -> int:
            r = await c.patch(
                f"/api/v1/measurements/{m['id']}",
                json={"value": 11 + i, "reason": f"更正 {i}"},
                headers={"If-Match": '"1"'},
            )
            return r.status_code

        codes = await asyncio.gather(*(patch(i) for i in range(50)))
        assert sorted(codes).count(200) == 1, codes
        assert codes.count(412) == 49, codes
        hist = (await c.get(f"/api/v1/measurements/{m['id']}/corrections")).json()["items"]
        assert len(hist) == 1


async def test_idempotency_key_replays_the_first_result(new_plan, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan(), target=IMR_TARGET)
        body = {
            "indicator_id": ind["id"],
            "region_code": REGION,
            "period": "2023",
            "value": 5.2,
            "submit": True,
        }
        first = await c.post("/api/v1/measurements", json=body, headers={"Idempotency-Key": "k1"})
        again = await c.post("/api/v1/measurements", json=body, headers={"Idempotency-Key": "k1"})
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["ETag"] == first.headers["ETag"]
        r = await c.post(
            "/api/v1/measurements", json={**body, "value": 5.3}, headers={"Idempotency-Key": "k1"}
        )
        assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
        # Without a key the retry is a duplicate.
        assert (await c.post("/api/v1/measurements", json=body)).status_code == 409


async def test_concurrent_retries_with_one_key_create_one_record(
    new_plan, indicators_app, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators_app, make_token("admin")) as c:
        r = await c.post(
            "/api/v1/indicators",
            json=indicator_body(await new_plan(), measure_unit="张", direction="higher_is_better"),
        )
        ind = r.json()
        body = {"indicator_id": ind["id"], "region_code": REGION, "period": "2024", "value": 3}

        async def post() -> tuple[int, str]:
            r = await c.post(
                "/api/v1/measurements", json=body, headers={"Idempotency-Key": "same-key"}
            )
            return r.status_code, r.json().get("id", "")

        results = await asyncio.gather(*(post() for _ in range(10)))
        assert {code for code, _ in results} == {201}
        assert len({mid for _, mid in results}) == 1


async def test_concurrent_writes_of_one_pair_leave_a_current_assessment(
    new_plan, indicators_app, make_token
) -> None:  # type: ignore[no-untyped-def]
    """Each write recomputes under the pair's row lock, so the last one sees all the others."""
    async with client_for(indicators_app, make_token("admin")) as c:
        r = await c.post(
            "/api/v1/indicators",
            json=indicator_body(await new_plan(), measure_unit="张", direction="higher_is_better"),
        )
        ind = r.json()
        periods = [f"2024-{m:02d}" for m in range(1, 13)]

        async def post(period: str) -> int:
            r = await c.post(
                "/api/v1/measurements",
                json={
                    "indicator_id": ind["id"],
                    "region_code": REGION,
                    "period": period,
                    "value": 10,
                    "submit": True,
                    "note": "并发写入",
                },
            )
            return r.status_code

        assert set(await asyncio.gather(*(post(p) for p in periods))) == {201}
        a = (await c.get("/api/v1/assessments", params={"indicator_id": ind["id"]})).json()
        assert a["items"][0]["latest_period"] == "2024-12"
        assert a["items"][0]["components"]["baseline_source"] == "first_measurement"
        assert a["items"][0]["baseline_value"] == 10


async def test_nul_bytes_and_malformed_parsed_rows_are_422_not_500(
    new_plan, indicators, make_token
) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators, make_token("admin")) as c:
        ind = await make_indicator(c, await new_plan())
        for path, params in [
            ("/api/v1/indicators", {"plan_id": "\x00"}),
            ("/api/v1/measurements", {"indicator_id": ind["id"], "period": "\x00"}),
        ]:
            r = await c.get(path, params=params)
            assert r.status_code in (404, 422), (path, params, r.status_code, r.text)
        r = await c.post(
            "/api/v1/measurements",
            json={
                "indicator_id": ind["id"],
                "region_code": REGION,
                "period": "2023",
                "value": 5,
                "note": "\x00",
            },
        )
        assert r.status_code == 422, r.text
        # The importer's route takes free-form rows: a row without a name, or with a wrongly
        # shaped field, is the caller's error.
        base = {"plan_id": await new_plan(), "region_code": REGION}
        for extra in (
            {"indicators": [{}]},
            {"indicators": [{"name": "x", "target": "高于"}]},
            {"indicators": [{"name": "x", "milestones": [1]}]},
            {"targets": [{"item": ["二"], "text": "x"}]},
        ):
            r = await c.post("/api/v1/indicators/parsed", json={**base, **extra})
            assert r.status_code == 422, (extra, r.status_code, r.text)
            assert r.json()["code"] == "validation_error"
