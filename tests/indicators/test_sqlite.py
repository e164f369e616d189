"""The embedded default: the whole flow also runs on SQLite (dialect-specific paths: the
assessment upsert, latest-per-region and bulk recomputation without LATERAL)."""

from __future__ import annotations

from pathlib import Path

from dudao_indicators.config import Settings
from dudao_indicators.main import create_app
from dudao_indicators.migrations import MIGRATIONS_DIR
from dudao_shared import migrate
from harness import app_lifespan, client_for
from indicators.helpers import COUNTY, IMR_TARGET, REGION, make_indicator, measure, plan_id


async def test_flow_on_sqlite(tmp_path: Path, keypair, make_token) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'indicators.db'}"
    migrate.upgrade(MIGRATIONS_DIR, url)
    app = create_app(Settings(environment="test", database_url=url, jwt_public_key=keypair[1]))
    async with app_lifespan(app), client_for(app, make_token("admin")) as c:
        plan = plan_id()
        ind = await make_indicator(c, plan, target=IMR_TARGET)
        await measure(c, ind["id"], "2023", "5.2")
        await measure(c, ind["id"], "2020", 5.4, region=COUNTY)
        await measure(c, ind["id"], "2023", 5.6, region=COUNTY, note="人口结构变化")
        r = await c.patch(
            f"/api/v1/targets/{ind['target']['id']}",
            json={"text": "≤5.0‰"},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        card = (await c.get(f"/api/v1/scorecards/{plan}")).json()
        assert card["rows"][0]["status"] == "moderately_off_track"
        assert card["rows"][0]["ratio"] == 0.8185
        latest = (
            await c.get("/api/v1/measurements/latest", params={"indicator_id": ind["id"]})
        ).json()
        assert [(i["region_code"], i["value"]) for i in latest["items"]] == [
            (REGION, 5.2),
            (COUNTY, 5.6),
        ]
        a = (
            await c.get(
                "/api/v1/assessments", params={"indicator_id": ind["id"], "region_code": COUNTY}
            )
        ).json()
        assert a["items"][0]["status"] == "regressing"
        r = await c.get(f"/api/v1/indicator_tables/{plan}.xlsx")
        assert r.status_code == 200
