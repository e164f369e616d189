"""Large spreadsheet imports as background jobs, with progress.

An import whose file has more rows than ``sheet_job_rows`` (a setting) is not run within the
request: the request stores the uploaded file in a job row of the service's own database,
defers a ``sheet_import`` job in the same transaction (``jobs.defer_in``: the job exists exactly
when the row does) and answers 202 with the job resource. A worker of that service's queue runs
the very function the synchronous route runs, with the caller as they were at the request, in
one transaction, and stores the same ``ImportSummary`` (or the problem the route would have
answered). Rows done are written as the import goes, from a second connection, so a poll sees
them while the import's own transaction is still open. Smaller files keep the synchronous
answer.

Each service declares its table from ``SheetJobBase`` in its models package and, once, its
route dependency with ``sheet_import_route(model, location)``; each kind of record has one
``SheetImporter``, which the import route calls (through that dependency) and the worker
registers for ``run_sheet_job``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import Depends, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, DateTime, LargeBinary, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import AutoString

from .app import ServiceSettingsDep
from .auth import Principal
from .clock import utcnow
from .db import SessionDep
from .errors import NotFound, Problem, ProblemDetail
from .jobs import defer_in
from .sheets import (
    DryRun,
    ImportMode,
    ImportRejected,
    ImportSummary,
    Mode,
    Progress,
    SheetFile,
    SheetKind,
    SheetRow,
    read_rows,
)

if TYPE_CHECKING:
    from alembic.operations import Operations

log = logging.getLogger("dudao.sheet_jobs")

JOB_TASK = "sheet_import"
# Imports have their own queue and slots, so a long import never delays reminders or deliveries.
JOB_QUEUE = "sheets"
# How often a running import writes its rows done (the poll's progress).
PROGRESS_SECONDS = 0.5

JobState = Literal["queued", "running", "done", "failed"]


class SheetJobBase(SQLModel):
    """The columns of a service's ``sheet_job`` table (the id is the service's own)."""

    kind: str = Field(max_length=40)
    # Who asked: the job is theirs to read, and the import runs as them.
    owner_sub: str = Field(max_length=200, index=True)
    principal: dict[str, Any] = Field(sa_type=JSON, nullable=False)
    # What the route was given besides the file (plan_id, …), and how to import.
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    dry_run: bool
    mode: str = Field(max_length=10)
    filename: str = Field(max_length=255)
    # The uploaded file, dropped once the job is finished.
    content: bytes | None = Field(default=None, sa_type=LargeBinary)
    state: str = Field(default="queued", max_length=10)
    rows_done: int = 0
    rows_total: int
    summary: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    problem: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False
    )
    started_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    finished_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


# --- the migration side ----------------------------------------------------------------------


def create_sheet_job_table(op: Operations, id_column: sa.Column[Any]) -> None:
    """The ``sheet_job`` table as the services' ``sheetjobs_1`` migrations create it, with the
    service's own id column. It stays as it was then: a later change of ``SheetJobBase`` is a
    new migration of each service, not an edit here."""
    op.create_table(
        "sheet_job",
        id_column,
        sa.Column("kind", AutoString(length=40), nullable=False),
        sa.Column("owner_sub", AutoString(length=200), nullable=False),
        sa.Column("principal", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("mode", AutoString(length=10), nullable=False),
        sa.Column("filename", AutoString(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("state", AutoString(length=10), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(id_column.name),
    )
    op.create_index(op.f("ix_sheet_job_owner_sub"), "sheet_job", ["owner_sub"], unique=False)


def drop_sheet_job_table(op: Operations) -> None:
    op.drop_index(op.f("ix_sheet_job_owner_sub"), table_name="sheet_job")
    op.drop_table("sheet_job")


# --- the API side -----------------------------------------------------------------------------


class SheetJobProgress(BaseModel):
    done: int = PydanticField(description="已处理的行数")
    total: int = PydanticField(description="文件中的数据行数")


class SheetJobRead(BaseModel):
    id: str
    kind: str = PydanticField(description="导入类型")
    state: JobState = PydanticField(
        description="queued 排队中、running 导入中、done 已完成、failed 未完成（见 problem）"
    )
    dry_run: bool = PydanticField(description="是否仅预检")
    mode: ImportMode
    filename: str
    progress: SheetJobProgress
    summary: ImportSummary | None = PydanticField(
        default=None, description="导入结果，与同步导入的返回相同（完成后，或全部不写入时）"
    )
    problem: ProblemDetail | None = PydanticField(
        default=None, description="未完成时的错误，与同步导入会返回的错误相同"
    )
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

    @classmethod
    def of(cls, job: SheetJobBase) -> SheetJobRead:
        return cls(
            id=str(getattr(job, "id")),  # noqa: B009 - each service declares its own id column
            kind=job.kind,
            state=job.state,  # type: ignore[arg-type]
            dry_run=job.dry_run,
            mode=job.mode,  # type: ignore[arg-type]
            filename=job.filename,
            progress=SheetJobProgress(done=job.rows_done, total=job.rows_total),
            summary=ImportSummary.model_validate(job.summary) if job.summary else None,
            problem=ProblemDetail.model_validate(job.problem) if job.problem else None,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class SheetJobNotFound(NotFound):
    code, title = "import_job_not_found", "导入作业不存在"


def may_read(principal: Principal, job: SheetJobBase) -> bool:
    """A job is its caller's (it holds their file and runs as them); an admin sees every job."""
    return principal.is_admin or job.owner_sub == principal.sub


# The extra answer of an import route: a file over the threshold became a job.
JOB_ANSWER: dict[int | str, dict[str, Any]] = {
    202: {
        "model": SheetJobRead,
        "description": "文件较大，已转为后台导入作业；按 Location 查看进度",
    }
}


async def _job_rows(settings: ServiceSettingsDep) -> int:
    return settings.sheet_job_rows


JobThreshold = Annotated[int, Depends(_job_rows)]


@dataclass(frozen=True, slots=True)
class SheetUpload:
    filename: str
    content: bytes
    rows: list[SheetRow]


async def read_sheet(kind: SheetKind, file: UploadFile) -> SheetUpload:
    """The uploaded file and its rows (a file that cannot be read is a 422 here, at once)."""
    content = await file.read()
    filename = file.filename or ""
    return SheetUpload(filename, content, read_rows(kind, content, filename))


async def import_or_defer(
    session: AsyncSession,
    *,
    model: type[SheetJobBase],
    kind: SheetKind,
    upload: SheetUpload,
    threshold: int,
    principal: Principal,
    dry_run: bool,
    mode: ImportMode,
    location: str,
    run: Callable[[], Awaitable[ImportSummary]],
    params: Mapping[str, Any] | None = None,
) -> ImportSummary | JSONResponse:
    """Run the import now, or (more rows than ``threshold``) store it as a job and answer 202
    with the job, its address under ``location`` in the Location header."""
    if len(upload.rows) <= threshold:
        return await run()
    job = model(
        kind=kind.name,
        owner_sub=principal.sub,
        principal=asdict(principal),
        params=dict(params or {}),
        dry_run=dry_run,
        mode=mode,
        filename=upload.filename[:255],
        content=upload.content,
        rows_total=len(upload.rows),
    )
    session.add(job)
    await session.flush()
    job_id = str(getattr(job, "id"))  # noqa: B009 - each service declares its own id column
    await defer_in(session, JOB_TASK, queue=JOB_QUEUE, args={"job_id": job_id})
    return JSONResponse(
        SheetJobRead.of(job).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"{location.rstrip('/')}/{job_id}"},
    )


@dataclass(frozen=True, slots=True)
class SheetImportRoute:
    """What an import route was given besides its records' loaders: the file and how to import,
    with where a file too large for the request goes."""

    session: AsyncSession
    file: UploadFile
    threshold: int
    dry_run: bool
    mode: ImportMode
    model: type[SheetJobBase]
    location: str

    async def __call__(
        self,
        principal: Principal,
        importer: SheetImporter,
        params: Mapping[str, Any] | None = None,
    ) -> ImportSummary | JSONResponse:
        """Import the file with ``importer`` as ``principal`` now, or answer 202 with a job that
        runs the same importer (``params`` are what it needs besides the rows, e.g. the plan)."""
        upload = await read_sheet(importer.kind, self.file)
        request = ImportRequest(dry_run=self.dry_run, mode=self.mode, params=dict(params or {}))
        return await import_or_defer(
            self.session,
            model=self.model,
            kind=importer.kind,
            upload=upload,
            threshold=self.threshold,
            principal=principal,
            dry_run=self.dry_run,
            mode=self.mode,
            location=self.location,
            params=request.params,
            run=lambda: importer.run(self.session, principal, request, upload.rows, None),
        )


def sheet_import_route(
    model: type[SheetJobBase], location: str
) -> Callable[..., Awaitable[SheetImportRoute]]:
    """A service's import-route dependency, declared once with its job table and where its jobs
    are read: ``SheetImport = Annotated[SheetImportRoute, Depends(sheet_import_route(…))]``.
    A route answers ``await imports(principal, sheet.IMPORTER, params=…)``."""

    async def dependency(
        session: SessionDep,
        file: SheetFile,
        threshold: JobThreshold,
        dry_run: DryRun = True,
        mode: Mode = "all",
    ) -> SheetImportRoute:
        return SheetImportRoute(session, file, threshold, dry_run, mode, model, location)

    return dependency


# --- the worker side --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """What the route was given, for the importer the job calls."""

    dry_run: bool
    mode: ImportMode
    params: dict[str, Any] = field(default_factory=dict)


# The request runs an importer without progress (it answers once); the job with it.
Importer = Callable[
    [AsyncSession, Principal, ImportRequest, list[SheetRow], Progress | None],
    Awaitable[ImportSummary],
]


@dataclass(frozen=True, slots=True)
class SheetImporter:
    kind: SheetKind
    run: Importer


async def run_sheet_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    model: type[SheetJobBase],
    job_id: Any,
    importers: Mapping[str, SheetImporter],
) -> str:
    """Run one stored import: the kind's importer, as the caller, in one transaction; the
    outcome is stored on the job. A job run again (its worker died) starts over: the first
    run's transaction was never committed."""
    table: Any = model
    async with sessionmaker() as session:
        job = await session.get(model, job_id, with_for_update=True)
        if job is None or job.state in ("done", "failed"):
            return "gone" if job is None else job.state
        job.state, job.started_at, job.rows_done = "running", utcnow(), 0
        content, filename, kind = job.content or b"", job.filename, job.kind
        principal = Principal(**job.principal)
        request = ImportRequest(dry_run=job.dry_run, mode=job.mode, params=dict(job.params))  # type: ignore[arg-type]
        await session.commit()

    done = {"rows": 0, "total": 0}
    written = {"rows": 0}

    async def write_progress() -> None:
        if done["rows"] == written["rows"]:
            return
        rows = done["rows"]
        async with sessionmaker() as s:
            await s.execute(update(table).where(table.id == job_id).values(rows_done=rows))
            await s.commit()
        written["rows"] = rows

    async def progress_writer() -> None:
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            await write_progress()

    def progress(n: int, total: int) -> None:
        done["rows"], done["total"] = n, total

    summary: ImportSummary | None = None
    problem: Problem | None = None
    writer = asyncio.ensure_future(progress_writer())
    try:
        importer = importers.get(kind)
        if importer is None:
            raise Problem(f"未知的导入类型：{kind}")
        rows = read_rows(importer.kind, content, filename)
        async with sessionmaker() as session:
            try:
                summary = await importer.run(session, principal, request, rows, progress)
                await session.commit()
            except ImportRejected as exc:
                await session.rollback()
                summary, problem = exc.summary, exc
            except Problem as exc:
                await session.rollback()
                problem = exc
    except Problem as exc:
        problem = exc
    except Exception:  # noqa: BLE001 - stored as the job's failure for whoever polls it
        log.exception("sheet import job %s failed", job_id)
        problem = Problem("导入未能完成，请重试或联系管理员", code="sheet_import_failed")
    finally:
        writer.cancel()
        try:
            await writer
        except asyncio.CancelledError:
            pass

    async with sessionmaker() as session:
        job = await session.get(model, job_id, with_for_update=True)
        assert job is not None
        job.state = "failed" if problem is not None else "done"
        job.summary = summary.model_dump(mode="json") if summary is not None else None
        job.problem = problem.to_dict() if problem is not None else None
        job.rows_done = done["rows"]
        job.finished_at = utcnow()
        job.content = None
        await session.commit()
        return job.state
