"""Rendering an evaluation's files as jobs of the worker, run as a real process: the request
answers at once (202, queued) with a status resource; the download waits (409 render_pending)
until the worker has made the file; the status moves to done at 100 %; asking again starts no
second job; a draft edited after its render needs a new one (409 render_required)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from typing import Any

import httpx
import pytest
from harness import app_lifespan, client_for
from sqlalchemy import text

from dudao_shared import migrate
from dudao_shared.db import Database
from dudao_tasks.config import Settings
from dudao_tasks.evaluations.dependencies import indicators_client
from dudao_tasks.main import create_app
from dudao_tasks.migrations import MIGRATIONS_DIR
from tasks.notifications.peers import worker_env, workers
from tasks.world import REGION, make_unit, ok

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def render_db(databases) -> str:  # type: ignore[no-untyped-def]
    url = databases.create("tasks_eval_render")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url


async def _evaluation(c: httpx.AsyncClient) -> dict[str, Any]:
    units = [await make_unit(c, f"作业评估单位{n}") for n in range(2)]
    plan = ok(
        await c.post(
            "/api/v1/plans",
            json={
                "title": "新建区评估文件生成测试方案",
                "level": "county",
                "region_code": REGION,
                "items": [
                    {"code": "一", "kind": "section", "title": "重点任务"},
                    {"code": "一.1", "kind": "task", "title": "任务甲"},
                    {"code": "一.2", "kind": "task", "title": "任务乙"},
                ],
                "assignments": [
                    {"code": "一.1", "unit_id": units[0]["id"], "role": "lead"},
                    {"code": "一.2", "unit_id": units[1]["id"], "role": "lead"},
                ],
            },
        ),
        201,
    )
    body = {"plan_id": plan["id"], "kind": "midterm", "as_of": "2024-12-31"}
    return ok(await c.post("/api/v1/evaluations", json=body), 201)  # type: ignore[no-any-return]


async def _jobs(url: str) -> int:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            n = await conn.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'render_evaluation'"
                )
            )
            return int(n or 0)
    finally:
        await db.dispose()


async def _renders(url: str, evaluation_id: str) -> dict[str, int]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT format, count(*) FROM evaluation_render"
                    " WHERE evaluation_id = :e GROUP BY format"
                ),
                {"e": evaluation_id},
            )
            return {f: int(n) for f, n in rows}
    finally:
        await db.dispose()


async def test_worker_renders_pdf_and_xlsx(render_db, keypair, make_token, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        environment="test",
        database_url=render_db,
        jwt_public_key=keypair[1],
        storage_dir=tempfile.mkdtemp(dir=tmp_path),
    )
    app = create_app(settings)
    # No indicator service here: the evaluation holds its task part only.
    app.dependency_overrides[indicators_client] = lambda: None
    async with app_lifespan(app), client_for(app, make_token("admin")) as c:
        ev = await _evaluation(c)
        base = f"/api/v1/evaluations/{ev['id']}"
        assert (await c.get(f"{base}/render/pdf")).status_code == 404
        r = await c.post(f"{base}/render/pdf")
        assert r.status_code == 202, r.text
        assert r.headers["location"] == f"{base}/render/pdf"
        queued = r.json()
        assert (queued["state"], queued["progress"], queued["current"]) == ("queued", 0, True)
        xlsx = ok(await c.post(f"{base}/render/xlsx"), 202)
        # Asked again while queued: the same render, no second job.
        assert ok(await c.post(f"{base}/render/pdf"), 202)["id"] == queued["id"]
        assert await _jobs(render_db) == 2
        r = await c.get(f"{base}/evaluation.pdf")
        assert r.status_code == 409 and r.json()["code"] == "render_pending", r.text
        assert (await c.post(f"{base}/render/docx")).status_code == 422

        seen: list[tuple[str, int]] = []
        with workers(worker_env(render_db, keypair[1]), ["r1"], tmp_path / "logs"):
            for _ in range(1200):  # a limit that only keeps a broken run from hanging
                status = ok(await c.get(f"{base}/render/pdf"))
                seen.append((status["state"], status["progress"]))
                if status["state"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.1)
            for _ in range(600):
                if ok(await c.get(f"{base}/render/xlsx"))["state"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.1)
        assert status["state"] == "done", status
        assert (status["progress"], status["stage"], status["id"]) == (100, "已完成", queued["id"])
        progress = [p for _, p in seen]
        assert progress == sorted(progress), seen  # progress only moves forward
        assert ok(await c.get(f"{base}/render/xlsx"))["id"] == xlsx["id"]

        pdf = await c.get(f"{base}/evaluation.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
        assert len(pdf.content) == status["size"]
        path = tmp_path / "e.pdf"
        if shutil.which("pdftotext"):
            path.write_bytes(pdf.content)
            words = subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
            assert "作业评估单位0" in words
        book = await c.get(f"{base}/evaluation.xlsx")
        assert book.status_code == 200 and book.content.startswith(b"PK")
        # Done: asking again answers the made file and queues nothing.
        again = ok(await c.post(f"{base}/render/pdf"), 202)
        assert (again["id"], again["state"]) == (queued["id"], "done")
        assert await _jobs(render_db) == 0  # finished jobs are deleted by the worker

        # The draft edited: its files are outdated until rendered again.
        edited = ok(
            await c.patch(
                base,
                json={"narrative": "修改后的报告正文。"},
                headers={"If-Match": f'"{ev["version"]}"'},
            )
        )
        assert edited["version"] != ev["version"]
        assert ok(await c.get(f"{base}/render/pdf"))["current"] is False
        r = await c.get(f"{base}/evaluation.pdf")
        assert r.status_code == 409 and r.json()["code"] == "render_required"
        fresh = ok(await c.post(f"{base}/render/pdf"), 202)
        assert fresh["id"] != queued["id"] and fresh["state"] == "queued"
        assert fresh["evaluation_version"] == edited["version"]
        with workers(worker_env(render_db, keypair[1]), ["r2"], tmp_path / "logs"):
            for _ in range(1200):
                status = ok(await c.get(f"{base}/render/pdf"))
                if status["state"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.1)
        assert (status["id"], status["state"], status["current"]) == (fresh["id"], "done", True)
        pdf = await c.get(f"{base}/evaluation.pdf")
        assert pdf.status_code == 200
        if shutil.which("pdftotext"):
            path.write_bytes(pdf.content)
            words = subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
            assert "修改后的报告正文" in "".join(words.split())
        # The outdated file is not kept beside the new one.
        assert await _renders(render_db, ev["id"]) == {"pdf": 1, "xlsx": 1}

        # Issuing queues both files of the issued version: nobody has to ask for them.
        issued = ok(await c.post(f"{base}/issue", headers={"If-Match": f'"{edited["version"]}"'}))
        assert issued["status"] == "issued"
        for fmt in ("pdf", "xlsx"):
            queued_on_issue = ok(await c.get(f"{base}/render/{fmt}"))
            assert queued_on_issue["evaluation_version"] == issued["version"]
            assert queued_on_issue["state"] == "queued" and queued_on_issue["current"] is True
        assert await _jobs(render_db) == 2
