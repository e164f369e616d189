"""Importing a plan document through the gateway: preview, confirm, duplicates, unit access."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from docx import Document

pytestmark = pytest.mark.e2e

SEED = Path(__file__).resolve().parents[2] / "deploy" / "seeds" / "001_1d96ae928440d7e2.txt"


def _docx_of(text: str) -> bytes:
    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _essence(preview: dict) -> dict:  # type: ignore[type-arg]
    """What a reviewer checks; spans differ with layout and are left out."""
    return {
        "document": preview["document"],
        "region": preview["region_code"],
        "items": [
            (
                i["code"],
                i["kind"],
                i["title"],
                [(u["name"], u["role"]) for u in i["units"]],
                [d["due_on"] for d in i["deadlines"]],
            )
            for i in preview["items"]
        ],
        "targets": [
            (t.get("item"), t.get("comparator"), t.get("value"), t.get("unit"), t.get("year"))
            for t in preview["targets"]
        ],
        "indicators": [(i.get("name"), i.get("target")) for i in preview["indicators"]],
        "counts": preview["counts"],
    }


def test_txt_and_docx_preview_alike_and_confirm_reaches_units(running_platform) -> None:  # type: ignore[no-untyped-def]
    text = SEED.read_text(encoding="utf-8")
    admin = {"Authorization": f"Bearer {running_platform.login()}"}
    with httpx.Client(base_url=running_platform.gateway, headers=admin, timeout=60) as c:
        previews = []
        for name, data in (("plan.txt", text.encode()), ("plan.docx", _docx_of(text))):
            r = c.post("/api/v1/plans/import", files={"file": (name, data)})
            assert r.status_code == 200, r.text
            previews.append(r.json())
        txt, docx = previews
        assert _essence(txt) == _essence(docx)
        assert txt["source_hash"] == docx["source_hash"]
        assert txt["region_code"] == "360112" and txt["region_source"] == "detected"
        assert txt["counts"]["tasks"] == 30
        # Every value shows the words it came from.
        task = next(i for i in txt["items"] if i["kind"] == "task" and i["units"])
        assert task["span"]["text"] and task["title"][:4] in task["span"]["text"]
        assert any(w["code"] == "unit_unresolved" for w in txt["warnings"])

        r = c.post(
            "/api/v1/plans/import",
            params={"dry_run": "false", "create_missing_units": "true"},
            files={"file": ("plan.txt", text.encode())},
        )
        assert r.status_code == 201, r.text
        result = r.json()
        plan_id = result["plan_id"]
        assert result["counts"]["tasks"] == 30 and result["counts"]["indicators_created"] > 0

        # The same document again — even as .docx — is caught.
        r = c.post(
            "/api/v1/plans/import",
            params={"dry_run": "false"},
            files={"file": ("again.docx", _docx_of(text))},
        )
        assert r.status_code == 409 and r.json()["code"] == "plan_already_imported"

        tasks = c.get(f"/api/v1/plans/{plan_id}/tasks", params={"limit": 500}).json()["items"]
        assert sum(1 for t in tasks if t["kind"] == "task") == 30
        indicators = c.get("/api/v1/indicators", params={"plan_id": plan_id, "limit": 500}).json()
        assert len(indicators["items"]) == result["counts"]["indicators_created"]

        # Each unit named by the plan sees exactly the tasks that name it.
        expected: dict[str, set[str]] = {}
        for item in txt["items"]:
            for u in item["units"]:
                expected.setdefault(u["name"], set()).add(item["code"])
        units = c.get("/api/v1/units", params={"region_code": "360112", "limit": 500}).json()
        by_name = {u["name"]: u["id"] for u in units["items"]}
        checked = 0
        for name in ("区卫健委", "区财政局"):
            if name not in expected:
                continue
            issued = c.post("/api/v1/unit_tokens", json={"unit_id": by_name[name]})
            assert issued.status_code == 201, issued.text
            access = httpx.post(
                running_platform.gateway + "/api/v1/auth/unit_token",
                json={"token": issued.json()["token"]},
            ).json()["access_token"]
            seen = httpx.get(
                running_platform.gateway + "/api/v1/assignments",
                params={"plan_id": plan_id, "limit": 500},
                headers={"Authorization": f"Bearer {access}"},
            )
            assert seen.status_code == 200, seen.text
            assert {a["task_code"] for a in seen.json()["items"]} == expected[name]
            assert {a["unit_name"] for a in seen.json()["items"]} == {name}
            checked += 1
        assert checked >= 1


def test_import_input_errors_are_4xx(running_platform) -> None:  # type: ignore[no-untyped-def]
    admin = {"Authorization": f"Bearer {running_platform.login()}"}
    with httpx.Client(base_url=running_platform.gateway, headers=admin, timeout=30) as c:
        r = c.post("/api/v1/plans/import", files={"file": ("x.exe", b"MZ\x90\x00binary")})
        assert r.status_code == 415
        r = c.post("/api/v1/plans/import", data={"text": "   "})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "text"
        r = c.post("/api/v1/plans/import", data={"text": "一些没有机构名称的文字。"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_code"
        r = c.post(
            "/api/v1/plans/import",
            params={"region_code": "360112"},
            data={"text": "随便写的一段话，没有编号。"},
        )
        assert r.status_code == 200 and r.json()["counts"]["tasks"] == 0
    leader_pw = "leader-password-1"
    with httpx.Client(base_url=running_platform.gateway, headers=admin) as c:
        c.post(
            "/api/v1/users",
            json={"username": "import-leader", "password": leader_pw, "role": "leader"},
        )
    token = running_platform.login("import-leader", leader_pw)
    r = httpx.post(
        running_platform.gateway + "/api/v1/plans/import",
        headers={"Authorization": f"Bearer {token}"},
        data={"text": SEED.read_text(encoding="utf-8")},
    )
    assert r.status_code == 403


def test_failure_part_way_leaves_nothing(running_platform) -> None:  # type: ignore[no-untyped-def]
    """With the indicator service down the confirm fails whole: no plan, no units, and the
    same document imports cleanly once the service is back."""
    seed = SEED.with_name("004_2fc4be0b54cb1cd8.txt")
    data = seed.read_bytes()
    admin = {"Authorization": f"Bearer {running_platform.login()}"}
    params = {"dry_run": "false", "create_missing_units": "true"}
    platform = running_platform.platform
    with httpx.Client(base_url=running_platform.gateway, headers=admin, timeout=60) as c:
        units_before = c.get("/api/v1/units", params={"region_code": "360000", "limit": 500})
        platform.stop_one("indicators")
        try:
            r = c.post("/api/v1/plans/import", params=params, files={"file": (seed.name, data)})
            assert r.status_code == 503, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
        finally:
            platform.start_one("indicators")
            platform.wait_ready(services=("indicators",))
        titles = [p["title"] for p in c.get("/api/v1/plans", params={"limit": 500}).json()["items"]]
        assert not any("公立医院高质量发展" in t for t in titles)
        units_after = c.get("/api/v1/units", params={"region_code": "360000", "limit": 500})
        assert units_after.json()["items"] == units_before.json()["items"]
        r = c.post("/api/v1/plans/import", params=params, files={"file": (seed.name, data)})
        assert r.status_code == 201, r.text
        assert r.json()["counts"]["indicators_created"] > 0
