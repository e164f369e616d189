"""Every route × every role: admin, planner of the plan's region, planner of another region,
leader, a unit granted the indicator, and a unit without a grant (trying the other's ids).
No role may succeed where it is not allowed, and every allowed role succeeds."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from harness import client_for

from indicators.fixtures import NewPlan, NewUnit
from indicators.helpers import COUNTY, IMR_TARGET, REGION, indicator_body, make_indicator

ROLES = (
    "admin",
    "planner",
    "planner_other",
    "planner_county",
    "leader",
    "leader_other",
    "unit_granted",
    "unit_without",
)
# Staff whose region holds the plan's (宜春市): province-wide admin and leader, the city's
# planner. Another city's staff (peers) and a county's (the city plan is its parent's) reach
# nothing of it.
STAFF = {"admin", "planner", "leader"}
READERS = STAFF | {"unit_granted"}
WRITERS = {"admin", "planner"}
REPORTERS = WRITERS | {"unit_granted"}


@dataclass
class Ctx:
    admin: httpx.AsyncClient
    plan: str
    ind: dict[str, Any]
    target: dict[str, Any]
    grant: dict[str, Any]
    m: dict[str, Any]
    assessment_id: str
    new_plan: NewPlan
    new_unit: NewUnit
    counter: itertools.count = field(default_factory=itertools.count)

    def period(self) -> str:
        # Monthly periods within the plan's years (base year 2020 to 2025): each call a free
        # slot; a submitted one carries a note in case it is off track.
        n = next(self.counter)
        return f"{2020 + n // 12}-{n % 12 + 1:02d}"

    async def fresh_indicator(self, **kw: Any) -> dict[str, Any]:
        return await make_indicator(self.admin, self.plan, **kw)

    async def fresh_measurement(self, submit: bool) -> dict[str, Any]:
        r = await self.admin.post(
            "/api/v1/measurements",
            json={
                "indicator_id": self.ind["id"],
                "region_code": REGION,
                "period": self.period(),
                "value": 5.3,
                "submit": submit,
                "note": "监测值说明",
            },
        )
        assert r.status_code == 201, r.text
        return r.json()

    async def etag(self, url: str) -> str:
        return (await self.admin.get(url)).headers["ETag"]


Case = Callable[[httpx.AsyncClient, Ctx], Awaitable[bool]]


def ok(r: httpx.Response) -> bool:
    assert r.status_code < 500, r.text
    return r.is_success


def listed(r: httpx.Response, key: str, value: str) -> bool:
    assert r.status_code < 500, r.text
    return r.is_success and any(x[key] == value for x in r.json()["items"])


async def c_list_indicators(c: httpx.AsyncClient, x: Ctx) -> bool:
    return listed(await c.get("/api/v1/indicators", params={"plan_id": x.plan}), "id", x.ind["id"])


async def c_create_indicator(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.post("/api/v1/indicators", json=indicator_body(x.plan)))


async def c_bulk(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(
        await c.post(
            "/api/v1/indicators/bulk",
            json={
                "plan_id": await x.new_plan(),
                "region_code": REGION,
                "indicators": [
                    {
                        "name": "床位数",
                        "nature": "预期性",
                        "unit": "张",
                        "target": {"year": 2025, "comparator": ">=", "value": 7.5},
                    }
                ],
            },
        )
    )


async def c_get_indicator(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/indicators/{x.ind['id']}"))


async def c_patch_indicator(c: httpx.AsyncClient, x: Ctx) -> bool:
    ind = await x.fresh_indicator()
    return ok(
        await c.patch(
            f"/api/v1/indicators/{ind['id']}", json={"name": "改名"}, headers={"If-Match": '"1"'}
        )
    )


async def c_delete_indicator(c: httpx.AsyncClient, x: Ctx) -> bool:
    ind = await x.fresh_indicator()
    return ok(await c.delete(f"/api/v1/indicators/{ind['id']}", headers={"If-Match": '"1"'}))


async def c_list_targets(c: httpx.AsyncClient, x: Ctx) -> bool:
    return listed(
        await c.get("/api/v1/targets", params={"indicator_id": x.ind["id"]}), "id", x.target["id"]
    )


async def c_create_target(c: httpx.AsyncClient, x: Ctx) -> bool:
    ind = await x.fresh_indicator()
    return ok(await c.post("/api/v1/targets", json={"indicator_id": ind["id"], **IMR_TARGET}))


async def c_get_target(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/targets/{x.target['id']}"))


async def c_patch_target(c: httpx.AsyncClient, x: Ctx) -> bool:
    url = f"/api/v1/targets/{x.target['id']}"
    return ok(await c.patch(url, json={"text": "≤5.0‰"}, headers={"If-Match": await x.etag(url)}))


async def c_delete_target(c: httpx.AsyncClient, x: Ctx) -> bool:
    ind = await x.fresh_indicator(target=IMR_TARGET)
    return ok(await c.delete(f"/api/v1/targets/{ind['target']['id']}", headers={"If-Match": '"1"'}))


async def c_list_measurements(c: httpx.AsyncClient, x: Ctx) -> bool:
    return listed(
        await c.get("/api/v1/measurements", params={"indicator_id": x.ind["id"]}), "id", x.m["id"]
    )


async def c_latest(c: httpx.AsyncClient, x: Ctx) -> bool:
    return listed(
        await c.get("/api/v1/measurements/latest", params={"indicator_id": x.ind["id"]}),
        "region_code",
        REGION,
    )


async def c_create_measurement(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(
        await c.post(
            "/api/v1/measurements",
            json={
                "indicator_id": x.ind["id"],
                "region_code": REGION,
                "period": x.period(),
                "value": 5.3,
            },
        )
    )


async def c_get_measurement(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/measurements/{x.m['id']}"))


async def c_patch_measurement(c: httpx.AsyncClient, x: Ctx) -> bool:
    m = await x.fresh_measurement(submit=False)
    return ok(
        await c.patch(
            f"/api/v1/measurements/{m['id']}", json={"source": "年报"}, headers={"If-Match": '"1"'}
        )
    )


async def c_submit(c: httpx.AsyncClient, x: Ctx) -> bool:
    m = await x.fresh_measurement(submit=False)
    return ok(await c.post(f"/api/v1/measurements/{m['id']}/submit", headers={"If-Match": '"1"'}))


async def c_approve(c: httpx.AsyncClient, x: Ctx) -> bool:
    m = await x.fresh_measurement(submit=True)
    return ok(await c.post(f"/api/v1/measurements/{m['id']}/approve", headers={"If-Match": '"1"'}))


async def c_corrections(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/measurements/{x.m['id']}/corrections"))


async def c_list_assessments(c: httpx.AsyncClient, x: Ctx) -> bool:
    return listed(
        await c.get("/api/v1/assessments", params={"indicator_id": x.ind["id"]}),
        "id",
        x.assessment_id,
    )


async def c_get_assessment(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/assessments/{x.assessment_id}"))


async def c_recompute(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.post("/api/v1/assessments/recompute", json={"plan_id": x.plan}))


async def c_scorecard(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/scorecards/{x.plan}"))


async def c_rollup(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/rollups/plans/{x.plan}", params={"by": "region"}))


async def c_region_total(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/rollups/regions/{x.ind['id']}", params={"period": "2023"}))


async def c_series(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get("/api/v1/series", params={"indicator_id": x.ind["id"]}))


async def c_list_grants(c: httpx.AsyncClient, x: Ctx) -> bool:
    return listed(await c.get("/api/v1/indicator_grants"), "id", x.grant["id"])


async def c_create_grant(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(
        await c.post(
            "/api/v1/indicator_grants",
            json={
                "unit_id": await x.new_unit(),
                "indicator_id": x.ind["id"],
                "region_code": REGION,
            },
        )
    )


async def c_get_grant(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/indicator_grants/{x.grant['id']}"))


async def c_delete_grant(c: httpx.AsyncClient, x: Ctx) -> bool:
    r = await x.admin.post(
        "/api/v1/indicator_grants",
        json={
            "unit_id": await x.new_unit(),
            "indicator_id": x.ind["id"],
            "region_code": REGION,
        },
    )
    return ok(
        await c.delete(f"/api/v1/indicator_grants/{r.json()['id']}", headers={"If-Match": '"1"'})
    )


async def c_export(c: httpx.AsyncClient, x: Ctx) -> bool:
    return ok(await c.get(f"/api/v1/indicator_tables/{x.plan}.xlsx"))


MATRIX: list[tuple[str, set[str], Case]] = [
    ("GET /indicators", READERS, c_list_indicators),
    ("POST /indicators", WRITERS, c_create_indicator),
    ("POST /indicators/bulk", WRITERS, c_bulk),
    ("GET /indicators/{id}", READERS, c_get_indicator),
    ("PATCH /indicators/{id}", WRITERS, c_patch_indicator),
    ("DELETE /indicators/{id}", WRITERS, c_delete_indicator),
    ("GET /targets", READERS, c_list_targets),
    ("POST /targets", WRITERS, c_create_target),
    ("GET /targets/{id}", READERS, c_get_target),
    ("PATCH /targets/{id}", WRITERS, c_patch_target),
    ("DELETE /targets/{id}", WRITERS, c_delete_target),
    ("GET /measurements", READERS, c_list_measurements),
    ("GET /measurements/latest", READERS, c_latest),
    ("POST /measurements", REPORTERS, c_create_measurement),
    ("GET /measurements/{id}", READERS, c_get_measurement),
    ("PATCH /measurements/{id}", REPORTERS, c_patch_measurement),
    ("POST /measurements/{id}/submit", REPORTERS, c_submit),
    ("POST /measurements/{id}/approve", WRITERS, c_approve),
    ("GET /measurements/{id}/corrections", READERS, c_corrections),
    ("GET /assessments", READERS, c_list_assessments),
    ("GET /assessments/{id}", READERS, c_get_assessment),
    ("POST /assessments/recompute", WRITERS, c_recompute),
    ("GET /scorecards/{plan_id}", STAFF, c_scorecard),
    ("GET /rollups/plans/{plan_id}", STAFF, c_rollup),
    ("GET /rollups/regions/{indicator_id}", STAFF, c_region_total),
    ("GET /series", READERS, c_series),
    ("GET /indicator_grants", READERS, c_list_grants),
    ("POST /indicator_grants", WRITERS, c_create_grant),
    ("GET /indicator_grants/{id}", READERS, c_get_grant),
    ("DELETE /indicator_grants/{id}", WRITERS, c_delete_grant),
    ("GET /indicator_tables/{plan_id}.xlsx", STAFF, c_export),
]


def tokens(make_token: Callable[..., str], granted_unit: str) -> dict[str, str]:
    return {
        "admin": make_token("admin"),
        "planner": make_token("planner", region_code=REGION),
        "planner_other": make_token("planner", region_code="360100"),
        "planner_county": make_token("planner", region_code=COUNTY),
        "leader": make_token("leader"),
        "leader_other": make_token("leader", region_code="360100"),
        "unit_granted": make_token("unit", unit_id=granted_unit),
        "unit_without": make_token("unit", unit_id="unit-without"),
    }


async def test_role_route_matrix(new_plan, new_unit, indicators, make_token) -> None:  # type: ignore[no-untyped-def]
    granted_unit = await new_unit()
    toks = tokens(make_token, granted_unit)
    # The values are entered by another admin than the one in the matrix: an approver must not
    # be the person who entered the value (four eyes).
    async with client_for(indicators, make_token("admin")) as admin:
        plan = await new_plan()
        ind = await make_indicator(admin, plan, target=IMR_TARGET, aggregation="sum")
        grant = (
            await admin.post(
                "/api/v1/indicator_grants",
                json={"unit_id": granted_unit, "indicator_id": ind["id"], "region_code": REGION},
            )
        ).json()
        m = (
            await admin.post(
                "/api/v1/measurements",
                json={
                    "indicator_id": ind["id"],
                    "region_code": REGION,
                    "period": "2023",
                    "value": 5.2,
                    "submit": True,
                },
            )
        ).json()
        a = (await admin.get("/api/v1/assessments", params={"indicator_id": ind["id"]})).json()
        ctx = Ctx(
            admin=admin,
            plan=plan,
            ind=ind,
            target=ind["target"],
            grant=grant,
            m=m,
            assessment_id=a["items"][0]["id"],
            new_plan=new_plan,
            new_unit=new_unit,
        )
        clients = {role: client_for(indicators, tok) for role, tok in toks.items()}
        unauthorized_successes: list[str] = []
        denied_allowed: list[str] = []
        try:
            for name, allowed, case in MATRIX:
                for role in ROLES:
                    succeeded = await case(clients[role], ctx)
                    if succeeded and role not in allowed:
                        unauthorized_successes.append(f"{name} as {role}")
                    if not succeeded and role in allowed:
                        denied_allowed.append(f"{name} as {role}")
        finally:
            for cl in clients.values():
                await cl.aclose()
        assert unauthorized_successes == []
        assert denied_allowed == []
        assert len(MATRIX) * len(ROLES) == 248


async def test_no_token_is_401(indicators) -> None:  # type: ignore[no-untyped-def]
    async with client_for(indicators) as c:
        for path in (
            "/api/v1/indicators",
            "/api/v1/measurements",
            "/api/v1/assessments",
            "/api/v1/scorecards/p",
            "/api/v1/series?indicator_id=x",
            "/api/v1/indicator_grants",
            "/api/v1/indicator_tables/p.xlsx",
        ):
            r = await c.get(path)
            assert r.status_code == 401, path
            assert r.json()["code"] == "missing_token"
    async with client_for(indicators, "not-a-jwt") as c:
        assert (await c.get("/api/v1/indicators")).status_code == 401
