"""Real concurrency: separate connections, committed data (the session app, not rolled back)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from dudao_tasks.models import IdempotencyRecord, ProgressReport
from tasks.world import build_world


async def test_20_identical_report_posts_store_one(tasks_app, make_token) -> None:  # type: ignore[no-untyped-def]
    w = await build_world(tasks_app, make_token, completed=False)
    a1 = w.ids["a1"]
    body = {"percent": 60, "text": "完成设备采购招标"}
    headers = {"Idempotency-Key": f"report-{w.ids['tag']}"}
    async with w.client("unit_a") as c:
        results = await asyncio.gather(
            *[
                c.post(f"/api/v1/assignments/{a1}/reports", json=body, headers=headers)
                for _ in range(20)
            ]
        )
        assert {r.status_code for r in results} == {201}, [
            r.text for r in results if r.status_code != 201
        ]
        assert len({r.json()["id"] for r in results}) == 1
        assert len({r.text for r in results}) == 1
        # Same key, different body → refused; a new key → a second report.
        r = await c.post(
            f"/api/v1/assignments/{a1}/reports", json={**body, "percent": 70}, headers=headers
        )
        assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    async with tasks_app.state.db.sessionmaker() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(ProgressReport)
            .where(ProgressReport.assignment_id == a1, ProgressReport.text == body["text"])
        )
        keys = await session.scalar(
            select(func.count())
            .select_from(IdempotencyRecord)
            .where(IdempotencyRecord.key == headers["Idempotency-Key"])
        )
    assert stored == 1 and keys == 1
