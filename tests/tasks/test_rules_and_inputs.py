"""Inputs that must be refused cleanly, units and name resolution, the item tree, gold plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import client_for

from tasks.world import PDF, REGION, build_world, etag, make_unit, ok, staff_tokens

# The project's shared folder sits beside the repository (as in CI).
GOLD = Path(__file__).resolve().parents[3] / "shared/seeds/gold/001_1d96ae928440d7e2.json"


async def test_bad_inputs_are_4xx_never_500(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("admin") as c:
        for path in ("/api/v1/tasks/not-a-uuid", "/api/v1/plans/1", "/api/v1/files/%00",
                     "/api/v1/assignments/" + "9" * 500, "/api/v1/regions/999999"):
            r = await c.get(path)
            assert r.status_code == 404, (path, r.text)
        r = await c.post("/api/v1/plans", json={"title": "x" * 10_000, "level": "county",
                                                "region_code": REGION})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
        r = await c.post("/api/v1/plans", json={"title": "x", "level": "county", "region_code": "123456"})
        assert r.status_code == 422
        r = await c.get("/api/v1/plans", params={"cursor": "!!!"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
        r = await c.get("/api/v1/plans", params={"order": "password"})
        assert r.status_code == 422
        plan = f"/api/v1/plans/{w.ids['plan']}"
        r = await c.patch(plan, json={"issuer": "x"})
        assert r.status_code == 428 and r.json()["code"] == "if_match_required"
        r = await c.patch(plan, json={"issuer": "x"}, headers={"If-Match": '"999"'})
        assert r.status_code == 412
        tag = await etag(w, plan)
        r = await c.patch(plan, json={"status": "archived"}, headers={"If-Match": tag})
        assert r.status_code == 409 and r.json()["code"] == "invalid_status_transition"
        r = await c.patch(plan, json={"status": "published"}, headers={"If-Match": tag})
        assert r.status_code == 200 and r.headers["etag"] == f'"{int(tag.strip(chr(34))) + 1}"'


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
        r = await c.post(f"/api/v1/assignments/{w.ids['a1']}/reports",
                         json={"percent": 50, "text": "进展\x00说明"})
        assert r.status_code == 422, r.text
        # The failed write left nothing behind, and the connection is still usable.
        reports = ok(await c.get(f"/api/v1/assignments/{w.ids['a1']}/reports"))["items"]
        assert [x["id"] for x in reports] == [w.ids["r1"]]


async def test_evidence_type_and_size_limits(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    url = f"/api/v1/reports/{w.ids['r1']}/files"
    async with w.client("unit_a") as c:
        r = await c.post(url, files={"file": ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "application/pdf")})
        assert r.status_code == 415 and r.json()["code"] == "file_type_not_allowed"
        r = await c.post(url, files={"file": ("看起来是图片.jpg", PDF, "image/jpeg")})
        assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"
        r = await c.post(url, files={"file": ("说明.txt", "情况说明".encode("gb18030"), "text/plain")})
        assert r.status_code == 201 and r.json()["content_type"].startswith("text/plain")
        settings = tasks.state.settings
        old = settings.max_upload_mb
        settings.max_upload_mb = 1
        try:
            r = await c.post(url, files={"file": ("big.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")})
            assert r.status_code == 413 and r.json()["code"] == "file_too_large"
        finally:
            settings.max_upload_mb = old
        fid = w.ids["f1"]
        r = await c.get(f"/api/v1/files/{fid}/content")
        assert r.status_code == 200 and r.content == PDF
        assert "filename*=UTF-8''" in r.headers["content-disposition"]


async def test_units_uscc_aliases_and_resolution(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    tokens = staff_tokens(make_token)
    async with client_for(tasks, tokens["planner"]) as c:
        r = await c.post("/api/v1/units", json={"name": "区卫健委", "level": "county",
                                                "region_code": REGION, "uscc": "123"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "uscc"
        unit = await make_unit(c, "区卫健委", full_name="新建区卫生健康委员会",
                               aliases=["新建区卫生健康委员会", "区卫生健康委"],
                               uscc="91350100M000100Y43")
        assert unit["uscc"] == "91350100M000100Y43"
        town = await make_unit(c, "各乡（镇）政府", level="township")
        r = await c.post("/api/v1/units", json={"name": "区卫生健康委", "level": "county",
                                                "region_code": REGION})
        assert r.status_code == 409 and r.json()["code"] == "unit_name_taken"
        res = ok(await c.post("/api/v1/units/resolve", json={
            "region_code": REGION,
            "names": ["区卫健委", "新建区卫生健康委员会", "各乡〔镇〕政府", "县〔区〕卫健委", "各乡(镇)政府"],
        }))
        got = [(i["status"], i["matched_by"], i["unit"]["id"] if i["unit"] else None) for i in res["items"]]
        assert got == [("resolved", "name", unit["id"]), ("resolved", "alias", unit["id"]),
                       ("resolved", "name", town["id"]), ("unresolved", None, None),
                       ("resolved", "name", town["id"])]
        assert res["unresolved"] == ["县〔区〕卫健委"]
        # Nothing was created by resolving.
        listed = ok(await c.get("/api/v1/units", params={"region_code": REGION, "q": "县"}))["items"]
        assert listed == []
        # A renamed unit keeps its history and stops resolving after its end date.
        tag = f'"{unit["version"]}"'
        ok(await c.patch(f"/api/v1/units/{unit['id']}", json={"active_until": "2020-01-01"},
                         headers={"If-Match": tag}))
        res = ok(await c.post("/api/v1/units/resolve", json={"region_code": REGION, "names": ["区卫健委"]}))
        assert res["unresolved"] == ["区卫健委"]


async def test_item_tree_codes_and_moves(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks, make_token)
    async with w.client("planner") as c:
        plan = w.ids["plan"]
        sec = ok(await c.post(f"/api/v1/plans/{plan}/items",
                              json={"kind": "section", "label": "（二）", "title": "医疗服务能力提升行动",
                                    "parent_id": w.ids["section"]}), 201)
        assert sec["code"] == "二.(二)"
        r = await c.post(f"/api/v1/plans/{plan}/items",
                         json={"kind": "section", "label": "(二)", "title": "重复", "parent_id": w.ids["section"]})
        assert r.status_code == 409 and r.json()["code"] == "item_code_taken"
        first = ok(await c.post(f"/api/v1/plans/{plan}/items",
                                json={"kind": "task", "label": "1.", "title": "提升医院能力",
                                      "parent_id": sec["id"], "deadlines": [{"due_on": "2024-06-30", "text": "2024年6月底前"}]}), 201)
        assert first["code"] == "二.(二).1" and first["due_on"] == "2024-06-30"
        # Move task 3 under the new section, first place: code and order follow.
        tag = await etag(w, f"/api/v1/items/{w.ids['task3']}")
        moved = ok(await c.post(f"/api/v1/items/{w.ids['task3']}/move",
                                json={"parent_id": sec["id"], "position": 0}, headers={"If-Match": tag}))
        assert moved["code"] == "二.(二).3" and moved["position"] == 0
        codes = [i["code"] for i in ok(await c.get(f"/api/v1/plans/{plan}/items"))["items"]]
        assert codes == ["二", "二.(一)", "二.(一).1", "二.(一).2", "二.(二)", "二.(二).3", "二.(二).1"]
        # Relabel a section: its subtree's codes follow.
        tag = await etag(w, f"/api/v1/items/{sec['id']}")
        ok(await c.patch(f"/api/v1/items/{sec['id']}", json={"label": "(三)"}, headers={"If-Match": tag}))
        codes = [i["code"] for i in ok(await c.get(f"/api/v1/plans/{plan}/items"))["items"]]
        assert "二.(三).3" in codes and "二.(三).1" in codes
        # No cycles.
        tag = await etag(w, f"/api/v1/items/{w.ids['section']}")
        r = await c.post(f"/api/v1/items/{w.ids['section']}/move", json={"parent_id": sec["id"]},
                         headers={"If-Match": tag})
        assert r.status_code == 422
        # A task with units keeps a lead.
        tag = await etag(w, f"/api/v1/assignments/{w.ids['a1']}")
        r = await c.patch(f"/api/v1/assignments/{w.ids['a1']}", json={"role": "co"}, headers={"If-Match": tag})
        assert r.status_code == 409 and r.json()["code"] == "lead_required"


@pytest.mark.skipif(not GOLD.exists(), reason=f"gold seed file not found: {GOLD}")
async def test_gold_plan_tree_with_resolved_units(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    """The 新建区 plan from the seeds: resolve its unit names, create the missing, build it."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    tokens = staff_tokens(make_token)
    names = sorted({u["name"] for i in gold["items"] for u in i.get("units", [])})
    async with client_for(tasks, tokens["planner"]) as c:
        res = ok(await c.post("/api/v1/units/resolve", json={"region_code": REGION, "names": names}))
        for name in res["unresolved"]:
            await make_unit(c, name)
        res = ok(await c.post("/api/v1/units/resolve", json={"region_code": REGION, "names": names}))
        assert res["unresolved"] == []
        ids = {i["name"]: i["unit"]["id"] for i in res["items"]}
        doc = gold["document"]
        body = {
            "title": doc["title"], "doc_number": doc["doc_number"], "issuer": doc["issuer"],
            "issued_on": doc["issued_on"], "period_start": doc["period"]["start"],
            "period_end": doc["period"]["end"], "level": "county", "region_code": REGION,
            "items": [{"code": i["code"], "kind": i["kind"], "title": i["title"],
                       "deadlines": [{"due_on": d} for d in i.get("deadlines", [])]}
                      for i in gold["items"]],
            "assignments": [{"code": i["code"], "unit_id": ids[u["name"]], "role": u["role"]}
                            for i in gold["items"] for u in i.get("units", [])],
        }
        plan = ok(await c.post("/api/v1/plans", json=body), 201)
        items = ok(await c.get(f"/api/v1/plans/{plan['id']}/items", params={"limit": 500}))["items"]
        assert [i["code"] for i in items] == [i["code"] for i in gold["items"]]
        tasks_ = ok(await c.get(f"/api/v1/plans/{plan['id']}/tasks", params={"limit": 500}))["items"]
        gold_tasks = [i for i in gold["items"] if i["kind"] != "section"]
        assert len(tasks_) == len(gold_tasks)
        first = gold_tasks[0]
        row = next(t for t in tasks_ if t["code"] == first["code"])
        assert row["lead_units"] == [u["name"] for u in first["units"] if u["role"] == "lead"]
        # A task given only co-units is refused as a whole: nothing half-written.
        bad = {**body, "title": "无牵头", "assignments": [{**body["assignments"][1], "role": "co"}]}
        r = await c.post("/api/v1/plans", json=bad)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assignments"
