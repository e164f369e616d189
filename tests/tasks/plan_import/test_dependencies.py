"""What the import's loaders refuse before anything is previewed: a region the plan cannot be
placed in, and one outside the writer's."""

from __future__ import annotations

from pathlib import Path

from harness import client_for

from tasks.world import OTHER_REGION, staff_tokens

# A real plan of 新建区 (360112), its region read from the issuer.
SEED = Path(__file__).resolve().parents[3] / "deploy/seeds/001_1d96ae928440d7e2.txt"


async def test_import_region_is_known_and_the_writers(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tokens = staff_tokens(make_token)
    text = SEED.read_text(encoding="utf-8")
    async with client_for(tasks, tokens["planner_other"]) as c:
        r = await c.post("/api/v1/plans/import", data={"text": text})
        assert r.status_code == 403 and r.json()["code"] == "region_forbidden"
        r = await c.post(
            "/api/v1/plans/import", params={"region_code": OTHER_REGION}, data={"text": text}
        )
        assert r.status_code == 200 and r.json()["region_source"] == "given"
    async with client_for(tasks, tokens["planner"]) as c:
        r = await c.post("/api/v1/plans/import", data={"text": "没有机构名称的一段文字。"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
        r = await c.post(
            "/api/v1/plans/import", params={"region_code": "999999"}, data={"text": text}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
        r = await c.post("/api/v1/plans/import", data={"text": text})
        assert r.status_code == 200, r.text
        assert (r.json()["region_code"], r.json()["region_source"]) == ("360112", "detected")
