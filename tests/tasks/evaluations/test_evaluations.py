"""Evaluations of two seed plans from their gold parses: 新建区's three-year action plan (seed
001, its tasks given to its real units) with task history set up here, and 宜春市“十四五”卫生健康
发展规划 (seed 002, its 主要指标表) with measurements set up here: every count is checked against an independent SQL query,
the PDF is read back with poppler (pdftotext, pdffonts; pages saved as PNG under
test-artifacts/evaluations/), and the workbook with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from harness import client_for, rolled_back
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from dudao_shared.http import ServiceClient
from dudao_tasks.evaluations import renders
from dudao_tasks.evaluations.dependencies import indicators_client
from dudao_tasks.plan_import.dependencies import indicators_client as import_indicators_client

ROOT = Path(__file__).resolve().parents[3]
GOLD_TASKS = ROOT / "tests/importer/gold/001_1d96ae928440d7e2.json"
GOLD_INDICATORS = ROOT / "tests/importer/gold/002_dfb8ccd5e9df308d.json"
TASK_REGION = "360112"  # 新建区
ARTIFACTS = ROOT / "test-artifacts" / "evaluations"
REGION = "360900"  # 宜春市
COUNTIES = ("360902", "360921", "360922")  # 袁州区, 奉新县, 万载县
AS_OF = dt.date(2024, 12, 31)
NATURE = {"约束性": "binding", "预期性": "expected", "倡导性": "advocated"}
OUTCOMES = ("on_time", "late", "returned", "overdue", "not_started", "in_progress")


def ok(r: httpx.Response, code: int = 200) -> Any:
    assert r.status_code == code, f"{r.request.method} {r.request.url} → {r.status_code} {r.text}"
    return r.json()


@pytest.fixture
async def world(tasks_app, indicators_app) -> AsyncIterator[AsyncConnection]:  # type: ignore[no-untyped-def]
    """Both services in-process with this test's writes rolled back; the task service reads
    the indicator service over (in-process) HTTP. Yields the task database's connection for
    the independent queries."""
    async with rolled_back(tasks_app) as conn, rolled_back(indicators_app):
        client = ServiceClient(
            "指标服务", "http://indicators", transport=httpx.ASGITransport(app=indicators_app)
        )
        tasks_app.dependency_overrides[indicators_client] = lambda: client
        tasks_app.dependency_overrides[import_indicators_client] = lambda: client
        try:
            yield conn
        finally:
            tasks_app.dependency_overrides.pop(indicators_client, None)
            tasks_app.dependency_overrides.pop(import_indicators_client, None)
            await client.aclose()


def _story(k: int) -> int:
    """The k-th task's story: 0 finished early, 1 finished late, 2 sent back, 3 started and
    stalled, 4 never started."""
    return k % 5


async def _seed_plan(c: httpx.AsyncClient, path: Path, region: str, level: str) -> dict[str, Any]:
    gold = json.loads(path.read_text(encoding="utf-8"))
    names = sorted({u["name"] for i in gold["items"] for u in i.get("units", [])})
    ids: dict[str, str] = {}
    if names:
        body = {"region_code": region, "names": names}
        res = ok(await c.post("/api/v1/units/resolve", json=body))
        for name in res["unresolved"]:
            ok(
                await c.post(
                    "/api/v1/units",
                    json={"name": name, "level": level, "region_code": region},
                ),
                201,
            )
        res = ok(await c.post("/api/v1/units/resolve", json=body))
        ids = {i["name"]: i["unit"]["id"] for i in res["items"]}
    doc = gold["document"]
    # Deadlines: the plan's own, and for a task without one the end of a year from 2022 to
    # 2025; a task whose story (``_story``) is to finish late or to stall is due by the end of
    # 2023, so the evaluation meets tasks past their deadline as well as before it.
    items = []
    seen: set[str] = set()
    k = 0
    for n, i in enumerate(gold["items"]):
        # A 专栏 project listed before its box heading is left out with its box.
        parent = i["code"].rsplit(".", 1)[0] if "." in i["code"] else None
        if parent is not None and parent not in seen:
            continue
        seen.add(i["code"])
        deadlines = list(i.get("deadlines", []))
        if i["kind"] != "section":
            if _story(k) == 1 or (_story(k) in (3, 4) and k % 2):
                deadlines = ["2023-12-31"]
            elif not deadlines:
                deadlines = [f"{2022 + n % 4}-12-31"]
            k += 1
        items.append(
            {
                "code": i["code"],
                "kind": i["kind"],
                "title": i["title"],
                "deadlines": [{"due_on": d} for d in deadlines],
            }
        )
    body = {
        "title": doc["title"],
        "doc_number": doc["doc_number"],
        "issuer": doc["issuer"],
        "issued_on": doc["issued_on"],
        "period_start": doc["period"]["start"],
        "period_end": doc["period"]["end"],
        "level": level,
        "region_code": region,
        "items": items,
        "assignments": [
            {"code": i["code"], "unit_id": ids[u["name"]], "role": u["role"]}
            for i in gold["items"]
            if i["code"] in seen
            for u in i.get("units", [])
        ],
    }
    plan = ok(await c.post("/api/v1/plans", json=body), 201)
    return {"plan": plan, "gold": gold}


async def _indicators(c: httpx.AsyncClient, plan_id: str, gold: dict[str, Any]) -> list[str]:
    """The gold 主要指标表 rows with a numeric target, each with values for the city and three
    counties; returns the indicator names."""
    names = []
    for n, g in enumerate(gold["indicators"]):
        t = g.get("target") or {}
        if t.get("kind") != "absolute" or t.get("value") is None or g.get("parent"):
            continue
        higher = t["comparator"] in (">=", ">")
        ind = ok(
            await c.post(
                "/api/v1/indicators",
                json={
                    "plan_id": plan_id,
                    "region_code": REGION,
                    "code": f"g{n}",
                    "seq": g.get("seq"),
                    "position": n,
                    "name": g["name"],
                    "domain": g.get("domain"),
                    "measure_unit": g.get("unit"),
                    "direction": "higher_is_better" if higher else "lower_is_better",
                    "nature": NATURE.get(g.get("nature") or "", "expected"),
                    "allow_out_of_range": True,
                },
            ),
            201,
        )
        target_value = float(t["value"])
        baseline = g["baseline"].get("value")
        baseline = (
            float(baseline) if baseline is not None else target_value * (0.9 if higher else 1.1)
        )
        ok(
            await c.post(
                "/api/v1/targets",
                json={
                    "indicator_id": ind["id"],
                    "baseline_year": 2020,
                    "baseline_value": round(baseline, 2),
                    "target_year": 2025,
                    "kind": "absolute",
                    "comparator": t["comparator"],
                    "value": target_value,
                },
            ),
            201,
        )
        # The city well on its way for even rows, behind for odd ones; counties spread out.
        for k, region in enumerate((REGION, *COUNTIES)):
            share = (0.9 if (n + k) % 2 == 0 else 0.1) if k < 3 else 1.2
            for year, part in ((2022, share / 2), (2023, share)):
                value = round(baseline + (target_value - baseline) * part, 2)
                ok(
                    await c.post(
                        "/api/v1/measurements",
                        json={
                            "indicator_id": ind["id"],
                            "region_code": region,
                            "period": str(year),
                            "value": value,
                            "submit": True,
                            "note": "按统计年报填报",
                        },
                    ),
                    201,
                )
        names.append(g["name"])
    return names


async def _history(tasks_app, c: httpx.AsyncClient, make_token, plan_id: str) -> None:  # type: ignore[no-untyped-def]
    """Units work on their tasks over the plan's years: some finish on time, some late, some
    are sent back, some start and stall, the rest never start."""
    rows = ok(await c.get("/api/v1/assignments", params={"plan_id": plan_id, "limit": 500}))[
        "items"
    ]
    # Every unit of a task follows the task's story, so whole tasks end up in each outcome.
    tasks = ok(await c.get(f"/api/v1/plans/{plan_id}/tasks", params={"limit": 500}))["items"]
    codes = [t["code"] for t in tasks]
    order = {t["id"]: codes.index(t["code"]) for t in tasks}
    for a in sorted(rows, key=lambda a: a["id"]):
        kind = _story(order[a["task_id"]])
        if kind == 4:
            continue  # never started
        # Finished early (2022), or late in 2024 (after a 2023 deadline, before AS_OF).
        year, month = ((2022, 6), (2024, 12), (2023, 6), (2023, 3))[kind]
        when = dt.datetime(year, month, 15, 3, tzinfo=dt.UTC)
        with time_machine.travel(when, tick=False):
            # The unit's token is issued at that time: a token issued later is refused.
            unit = client_for(tasks_app, make_token("unit", unit_id=a["unit_id"]))
            async with unit:
                r = await unit.patch(
                    f"/api/v1/assignments/{a['id']}",
                    json={"status": "in_progress"},
                    headers={"If-Match": f'"{a["version"]}"'},
                )
                a = ok(r)
                if kind == 3:
                    continue  # started, then stalled
                r = await unit.patch(
                    f"/api/v1/assignments/{a['id']}",
                    json={"status": "completed"},
                    headers={"If-Match": f'"{a["version"]}"'},
                )
                a = ok(r)
        if kind == 2:
            ok(
                await c.post(
                    f"/api/v1/assignments/{a['id']}/review",
                    json={"decision": "return", "reason": "佐证材料不全"},
                    headers={"If-Match": f'"{a["version"]}"'},
                )
            )


# The independent query: each task's outcome on AS_OF, written straight in SQL.
TASK_OUTCOMES = """
WITH t AS (
  SELECT i.id, i.status, i.due_on, i.sort_key,
         (SELECT max(a.completed_at AT TIME ZONE 'Asia/Shanghai')::date FROM assignment a
           WHERE a.item_id = i.id AND a.status IN ('completed', 'accepted')) AS done_on
    FROM item i WHERE i.plan_id = :plan AND i.kind IN ('task', 'project'))
SELECT id, sort_key,
  CASE
    WHEN status IN ('completed', 'accepted') AND done_on <= :as_of
      THEN CASE WHEN due_on IS NULL OR done_on <= due_on THEN 'on_time' ELSE 'late' END
    WHEN status = 'returned' THEN 'returned'
    WHEN due_on < :as_of THEN 'overdue'
    WHEN status = 'not_started' THEN 'not_started'
    ELSE 'in_progress' END AS outcome
FROM t
"""
UNIT_OUTCOMES = """
SELECT u.name, a.role,
  CASE
    WHEN a.status IN ('completed', 'accepted')
         AND (a.completed_at AT TIME ZONE 'Asia/Shanghai')::date <= :as_of
      THEN CASE WHEN i.due_on IS NULL
                  OR (a.completed_at AT TIME ZONE 'Asia/Shanghai')::date <= i.due_on
                THEN 'on_time' ELSE 'late' END
    WHEN a.status = 'returned' THEN 'returned'
    WHEN i.due_on < :as_of THEN 'overdue'
    WHEN a.status = 'not_started' THEN 'not_started'
    ELSE 'in_progress' END AS outcome
FROM assignment a JOIN unit u ON u.id = a.unit_id JOIN item i ON i.id = a.item_id
WHERE a.plan_id = :plan AND i.kind IN ('task', 'project')
"""


def _tally(rows: list[Any], key: int) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        c = out.setdefault(r[key], dict.fromkeys(("total", *OUTCOMES), 0))
        c[r[-1]] += 1
        c["total"] += 1
    return out


def _poppler(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout


async def _evaluate(c: httpx.AsyncClient, plan_id: str, kind: str = "annual") -> dict[str, Any]:
    return ok(
        await c.post(
            "/api/v1/evaluations",
            json={"plan_id": plan_id, "kind": kind, "as_of": AS_OF.isoformat()},
        ),
        201,
    )


async def rendered(app: FastAPI, c: httpx.AsyncClient, ev: dict[str, Any], fmt: str) -> bytes:
    """The evaluation's file as ``c`` asks for it: the render is requested (202, queued), its
    job run here on the app's (rolled-back) database, as the worker runs it on its own (the
    worker as a process is tested in test_render_jobs), then the file downloaded."""
    base = f"/api/v1/evaluations/{ev['id']}"
    r = await c.get(f"{base}/evaluation.{fmt}")
    assert r.status_code == 409 and r.json()["code"] == "render_required", r.text
    started = ok(await c.post(f"{base}/render/{fmt}"), 202)
    assert started["state"] == "queued" and started["progress"] == 0
    assert await renders.run(app.state.db.sessionmaker, uuid.UUID(started["id"])) == "done"
    status = ok(await c.get(f"{base}/render/{fmt}"))
    assert (status["state"], status["progress"], status["stage"]) == ("done", 100, "已完成")
    r = await c.get(f"{base}/evaluation.{fmt}")
    assert r.status_code == 200, r.text
    assert status["size"] == len(r.content)
    return r.content


async def _pdf_text(app: FastAPI, c: httpx.AsyncClient, ev: dict[str, Any], name: str) -> str:
    """The evaluation's PDF, saved with its first pages as PNG; its text (pdftotext)."""
    r = httpx.Response(200, content=await rendered(app, c, ev, "pdf"))
    assert r.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / f"{name}.pdf"
    pdf_path.write_bytes(r.content)
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext, pdffonts, pdftoppm) is not installed")
    fonts = _poppler("pdffonts", str(pdf_path)).splitlines()[2:]
    assert fonts, "the PDF names no fonts"
    # pdffonts' columns: name type encoding emb sub uni object ID.
    assert all(line.split()[-5] == "yes" for line in fonts), fonts
    assert any("CJK" in line for line in fonts), fonts
    for old in ARTIFACTS.glob(f"{name}-page-*.png"):
        old.unlink()
    _poppler(
        "pdftoppm",
        "-png",
        "-r",
        "60",
        "-f",
        "1",
        "-l",
        "3",
        str(pdf_path),
        str(ARTIFACTS / f"{name}-page"),
    )
    assert len(list(ARTIFACTS.glob(f"{name}-page-*.png"))) == 3
    return _poppler("pdftotext", str(pdf_path), "-")


async def test_task_counts_units_pdf_and_workbook(world, tasks_app, make_token) -> None:  # type: ignore[no-untyped-def]
    conn: AsyncConnection = world
    async with client_for(tasks_app, make_token("admin"), timeout=300) as c:
        plan = (await _seed_plan(c, GOLD_TASKS, TASK_REGION, "county"))["plan"]
        await _history(tasks_app, c, make_token, plan["id"])
        ev = await _evaluate(c, plan["id"])
        data = ev["data"]

        # Tasks: in all and per section, against the independent query.
        params = {"plan": plan["id"], "as_of": AS_OF}
        rows = (await conn.execute(text(TASK_OUTCOMES), params)).all()
        expected_total = _tally([("all", r.outcome) for r in rows], 0)["all"]
        assert data["tasks"] == expected_total
        assert expected_total["total"] == 30
        assert all(expected_total[k] > 0 for k in OUTCOMES), expected_total
        roots = dict(
            (
                await conn.execute(
                    text(
                        "SELECT sort_key, title FROM item WHERE plan_id = :plan"
                        " AND parent_id IS NULL"
                    ),
                    {"plan": plan["id"]},
                )
            ).all()
        )
        by_section = _tally(
            [
                (
                    roots[r.sort_key.split(".")[0]] if "." in r.sort_key else "（未分章节）",
                    r.outcome,
                )
                for r in rows
            ],
            0,
        )
        assert {
            s["title"]: {k: s[k] for k in ("total", *OUTCOMES)} for s in data["sections"]
        } == by_section

        # Units: every unit's counts, and the ranking by the stored scoring rule.
        unit_rows = (await conn.execute(text(UNIT_OUTCOMES), params)).all()
        by_unit = _tally([(r.name, r.outcome) for r in unit_rows], 0)
        assert {
            u["name"]: {k: u[k] for k in ("total", *OUTCOMES)} for u in data["units"]
        } == by_unit
        rule = ev["scoring"]
        for u in data["units"]:
            mine = [r for r in unit_rows if r.name == u["name"]]
            weights = [rule["lead_weight"] if r.role == "lead" else rule["co_weight"] for r in mine]
            score = sum(
                rule["task_points"][r.outcome] * w for r, w in zip(mine, weights, strict=True)
            ) / sum(weights)
            assert u["score"] == round(score, 2)
            assert u["lead"] == sum(1 for r in mine if r.role == "lead")
        scores = [u["score"] for u in data["units"]]
        assert scores == sorted(scores, reverse=True)
        assert data["units"][0]["rank"] == 1

        # The PDF: plan title, counts and unit names in its text.
        words = await _pdf_text(tasks_app, c, ev, "seed-001-evaluation")
        flat = "".join(words.split())
        assert "".join(plan["title"].split()) in flat
        for u in data["units"]:
            assert "".join(u["name"].split()) in flat, u["name"]
        numbers = set(words.split())
        for k in ("total", *OUTCOMES):
            assert str(data["tasks"][k]) in numbers

        # The workbook: a sheet per part, the same numbers.
        wb = load_workbook(io.BytesIO(await rendered(tasks_app, c, ev, "xlsx")))
        assert wb.sheetnames == [
            "总体情况",
            "分章节",
            "责任单位",
            "主要指标",
            "指标状态",
            "区划排名",
            "评估报告",
        ]
        overall = next(wb["总体情况"].iter_rows(min_row=3, values_only=True))
        assert list(overall[1:]) == [data["tasks"][k] for k in ("total", *OUTCOMES)]
        units_sheet = list(wb["责任单位"].iter_rows(min_row=3, values_only=True))
        assert [row[1] for row in units_sheet] == [u["name"] for u in data["units"]]
        assert [row[3] for row in units_sheet] == [u["total"] for u in data["units"]]


async def test_indicators_by_nature_and_status_with_regions_ranked(
    world, tasks_app, make_token
) -> None:  # type: ignore[no-untyped-def]
    admin = make_token("admin")
    async with client_for(tasks_app, admin, timeout=300) as c:
        seeded = await _seed_plan(c, GOLD_INDICATORS, REGION, "city")
        plan = seeded["plan"]
        ind_client: ServiceClient = tasks_app.dependency_overrides[indicators_client]()
        async with httpx.AsyncClient(
            transport=ind_client._client._transport,  # the same in-process indicator app
            base_url="http://indicators",
            headers={"Authorization": f"Bearer {make_token('admin')}"},
        ) as ic:
            names = await _indicators(ic, plan["id"], seeded["gold"])
            assert len(names) >= 3
            ev = await _evaluate(c, plan["id"], "midterm")
            data = ev["data"]
            # The indicator service's own scorecard and roll-up are the independent source.
            card = ok(await ic.get(f"/api/v1/scorecards/{plan['id']}"))
            rollup = ok(
                await ic.get(f"/api/v1/rollups/plans/{plan['id']}", params={"by": "region"})
            )
        assert {r["name"]: r["status"] for r in data["indicators"]} == {
            r["name"]: r["status"] for r in card["rows"]
        }
        natures = [r["nature"] for r in data["indicators"]]
        assert natures == sorted(natures, key=("binding", "expected", "advocated").index)
        assert "binding" in natures
        assert all(r["reasons"] for r in data["indicators"])
        for n in data["indicator_counts"]:
            mine = [r for r in card["rows"] if r["nature"] == n["nature"]]
            assert n["total"] == len(mine)
            for s, k in n["counts"].items():
                assert k == sum(1 for r in mine if r["status"] == s)
        groups = {g["key"]: g["counts"] for g in rollup["groups"]}
        assert {r["region_code"] for r in data["regions"]} == {REGION, *COUNTIES} == set(groups)
        points = ev["scoring"]["indicator_points"]
        for r in data["regions"]:
            counted = {s: k for s, k in groups[r["region_code"]].items() if s in points and k}
            assert r["assessed"] == sum(counted.values())
            assert r["score"] == round(
                sum(points[s] * k for s, k in counted.items()) / sum(counted.values()), 2
            )
        assert data["regions"][0]["rank"] == 1
        assert [r["score"] for r in data["regions"]] == sorted(
            (r["score"] for r in data["regions"]), reverse=True
        )
        assert data["trajectories"]

        words = await _pdf_text(tasks_app, c, ev, "seed-002-evaluation")
        flat = "".join(words.split())
        assert "".join(plan["title"].split()) in flat
        for name in names:
            # A long name wraps inside its table cell, and pdftotext interleaves the wrapped
            # lines with the neighbouring cells': its first line (8 characters) stays whole.
            assert (name if len(name) <= 12 else name[:8]) in flat, name
        assert "约束性" in words and "宜春市" in words


async def ic_get(client: ServiceClient, path: str, token: str) -> httpx.Response:
    return await client.request("GET", path, token=token)
