"""Rendering an evaluation as a file (PDF or .xlsx) as a worker job with progress.

A PDF of a region's evaluation takes WeasyPrint many seconds, far too long to hold a request
(and a server worker) for. So a render is asked for (``start``), deferred in the same
transaction as its row, run by the task service's worker (``run``), which writes its stage and
progress as it goes and stores the file in the row; the download routes serve the stored file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from typing import Protocol, get_args

import procrastinate
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.clock import utcnow
from dudao_shared.db import Database
from dudao_shared.errors import Conflict, NotFound
from dudao_shared.jobs import defer_in

from ..models import Evaluation, EvaluationRender
from . import render, service
from .schemas import EvaluationData, RenderFormat, RenderRead

log = logging.getLogger("dudao.evaluations")

RENDER_TASK = "render_evaluation"
# Renders have a queue of their own, one at a time per worker process: WeasyPrint keeps a core
# busy for seconds, and the reminder sweeps and deliveries on the other queues go on meanwhile.
RENDER_QUEUE = "renders"
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A render not finished after this long is taken as lost (the PDF of a large region takes
# seconds; the queue may hold a few ahead of it).
STUCK_AFTER = dt.timedelta(minutes=15)
# A failure's message kept for the reader (the column's width).
ERROR_CHARS = 500


class RenderNotFound(NotFound):
    code, title = "render_not_found", "尚未生成该格式的文件"


class RenderRequired(Conflict):
    code, title = "render_required", "文件尚未生成或已过期，请先生成"


class RenderPending(Conflict):
    code, title = "render_pending", "文件正在生成，请稍后下载"


class RenderFailed(Conflict):
    code, title = "render_failed", "文件生成失败，请重新生成"


def read(r: EvaluationRender, ev: Evaluation) -> RenderRead:
    return RenderRead.model_validate(
        {
            **{k: getattr(r, k) for k in RenderRead.model_fields if hasattr(r, k)},
            "current": r.evaluation_version == ev.version,
        }
    )


async def latest(
    session: AsyncSession, ev: Evaluation, fmt: str, unit: uuid.UUID | None
) -> EvaluationRender | None:
    """The newest render of ``ev`` as ``fmt`` for this audience (staff, or one unit)."""
    q = select(EvaluationRender).where(
        EvaluationRender.evaluation_id == ev.id, EvaluationRender.format == fmt
    )
    q = q.where(
        col(EvaluationRender.unit_id).is_(None)
        if unit is None
        else EvaluationRender.unit_id == unit
    )
    q = q.order_by(col(EvaluationRender.created_at).desc()).limit(1)
    return (await session.scalars(q)).first()


async def start(
    session: AsyncSession,
    ev: Evaluation,
    fmt: str,
    unit: uuid.UUID | None,
    principal: Principal,
) -> EvaluationRender:
    """Ask for a render: the one already made or under way from the evaluation's current
    version is answered again (asking twice starts no second job); otherwise a new render is
    queued with its job, both committed with the caller's transaction."""
    last = await latest(session, ev, fmt, unit)
    if last is not None and last.evaluation_version == ev.version:
        if last.state == "done":
            return last
        # One queued or running for too long lost its job (a queue restored from a backup, a
        # worker gone for good): a new request starts afresh instead of waiting for ever.
        if last.state != "failed" and utcnow() - last.created_at < STUCK_AFTER:
            return last
    r = EvaluationRender(
        evaluation_id=ev.id,
        format=fmt,
        unit_id=unit,
        evaluation_version=ev.version,
        requested_by=principal.sub,
    )
    session.add(r)
    await session.flush()
    r.job_id = await defer_in(
        session, RENDER_TASK, queue=RENDER_QUEUE, args={"render_id": str(r.id)}
    )
    await session.flush()
    return r


async def issue(
    session: AsyncSession, ev: Evaluation, principal: Principal, *, expected: int
) -> Evaluation:
    """Issue the evaluation and queue its PDF and workbook: an issued evaluation is what goes
    upward as files, so they are being made by the time someone downloads them."""
    await service.issue(session, ev, principal, expected=expected)
    for fmt in get_args(RenderFormat):
        await start(session, ev, fmt, None, principal)
    return ev


def stored(r: EvaluationRender | None, ev: Evaluation) -> bytes:
    """The stored file of a finished render of the current version, or the problem saying why
    there is none yet (409 with its own code)."""
    if r is None or r.evaluation_version != ev.version:
        raise RenderRequired("请先生成文件（POST …/render/{format}），完成后再下载")
    if r.state in ("queued", "running"):
        raise RenderPending(f"文件生成中（{r.progress}%，{r.stage}），完成后再下载")
    if r.state == "failed" or r.content is None:
        raise RenderFailed(r.error or "文件生成失败")
    return r.content


Sessions = async_sessionmaker[AsyncSession]


async def _step(sessions: Sessions, render_id: uuid.UUID, progress: int, stage: str) -> None:
    """Record a step in a transaction of its own, so a reader sees it while the render runs."""
    async with sessions() as s:
        r = await s.get(EvaluationRender, render_id)
        if r is not None:
            r.progress, r.stage = progress, stage
            await s.commit()


async def run(sessions: Sessions, render_id: uuid.UUID) -> str:
    """The job: render the evaluation as its row asks and store the file in the row. A failure
    is recorded in the row (state failed, with its reason) rather than raised, so a reader
    learns of it; a job run again after its worker died starts over."""
    async with sessions() as s:
        r = await s.get(EvaluationRender, render_id)
        if r is None or r.state == "done":
            return "skipped"
        ev = await s.get(Evaluation, r.evaluation_id)
        if ev is None:
            return "skipped"
        r.state, r.progress, r.stage = "running", 5, "读取评估数据"
        r.started_at, r.error = utcnow(), None
        # The render shows the evaluation as it is now; a draft edited after the request is
        # rendered with the edit, and the render says which version it shows.
        r.evaluation_version = ev.version
        fmt, unit = r.format, r.unit_id
        data = EvaluationData.model_validate(service.for_unit(ev.data, unit))
        title, kind_label, narrative = ev.title, ev.kind_label, ev.narrative
        await s.commit()
    try:
        if fmt == "pdf":
            await _step(sessions, render_id, 20, "绘制图表")
            charts = await asyncio.to_thread(render.charts, data)
            await _step(sessions, render_id, 50, "排版生成 PDF")
            html = render.html(ev, data, narrative, charts)
            body: bytes = await asyncio.to_thread(render.layout, html)
        else:
            await _step(sessions, render_id, 30, "生成表格")
            body = await asyncio.to_thread(render.workbook, title, kind_label, data, narrative)
        await _step(sessions, render_id, 90, "保存文件")
    except Exception as exc:  # noqa: BLE001 - any failure is the render's, told to its reader
        log.exception("render %s failed", render_id)
        async with sessions() as s:
            r = await s.get(EvaluationRender, render_id)
            if r is not None:
                r.state, r.stage, r.finished_at = "failed", "生成失败", utcnow()
                r.error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
                await s.commit()
        return "failed"
    async with sessions() as s:
        r = await s.get(EvaluationRender, render_id)
        if r is None:
            return "skipped"
        r.content, r.size = body, len(body)
        r.state, r.progress, r.stage, r.finished_at = "done", 100, "已完成", utcnow()
        # The earlier files for this audience are outdated by this one: not kept.
        await s.execute(
            sa.delete(EvaluationRender).where(
                col(EvaluationRender.evaluation_id) == r.evaluation_id,
                col(EvaluationRender.format) == r.format,
                col(EvaluationRender.unit_id).is_(None)
                if r.unit_id is None
                else col(EvaluationRender.unit_id) == r.unit_id,
                col(EvaluationRender.id) != r.id,
                col(EvaluationRender.created_at) < r.created_at,
            )
        )
        await s.commit()
    return "done"


class Runtime(Protocol):
    db: Database


def register(bp: procrastinate.Blueprint, runtime: Runtime) -> None:
    @bp.task(name=RENDER_TASK, queue=RENDER_QUEUE)
    async def render_evaluation(render_id: str) -> str:
        return await run(runtime.db.sessionmaker, uuid.UUID(render_id))
