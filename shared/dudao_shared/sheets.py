"""Spreadsheets both ways: one layout per kind of record for templates, exports and imports.

A *kind* (units, tasks with assignments, measurements, targets) is a list of columns with
Chinese headers. The same layout is written as a template (headers, validation lists, an
instructions sheet with an example row), as an export (the same plus the stored rows) and read
back by the import, so export → edit → import is a round trip. Services own the meaning of the
rows; this module owns the files: reading .xlsx and CSV (UTF-8 with or without BOM, GB18030),
writing them safely, and the import summary every kind answers with.

Safety of exported text: a worksheet cell is always written as text (never a formula) and
control characters are dropped; a CSV cell that a spreadsheet would run as a formula (``=``,
``+``, ``-``, ``@``, tab or CR first) is prefixed with ``'`` (OWASP's advice), and the import
removes that prefix again, so the round trip keeps the text as entered.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from fastapi import File, Query, UploadFile
from fastapi.responses import Response
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSessionTransaction

from .decimals import to_json_number
from .downloads import attachment
from .errors import UnsupportedMediaType, ValidationFailed

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
DATA_SHEET = "数据"
HELP_SHEET = "填写说明"
LISTS_SHEET = "选项"
# A bound on rows per file keeps one upload from holding a worker for minutes.
MAX_ROWS = 200_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_REQUIRED_MARK = "*"

Cell = str | int | float | Decimal | dt.date | None


@dataclass(frozen=True, slots=True)
class SheetColumn:
    key: str
    header: str
    width: float = 16
    required: bool = False
    note: str = ""
    example: str = ""
    # Name of a validation list (the values come with the template, e.g. the region's units).
    choices: str | None = None


@dataclass(frozen=True, slots=True)
class SheetKind:
    name: str
    title: str
    columns: tuple[SheetColumn, ...]
    instructions: tuple[str, ...] = ()

    def header_of(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)


# --- writing -------------------------------------------------------------------------------


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _cell(value: Cell) -> str | int | float | dt.date | None:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Decimal):
        return to_json_number(value)
    return value


def safe_csv_cell(value: Cell) -> str:
    """A CSV field a spreadsheet shows as the stored text and never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(to_json_number(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return str(value)
    text = _text(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_xlsx(
    kind: SheetKind,
    rows: Iterable[Sequence[Cell]] = (),
    *,
    choices: Mapping[str, Sequence[str]] | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """The kind's workbook: ``数据`` (headers, then ``rows``), ``填写说明`` and ``选项``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    ws.append([c.header + (_REQUIRED_MARK if c.required else "") for c in kind.columns])
    header_fill = PatternFill("solid", fgColor="D9D9D9")
    for i, spec in enumerate(kind.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = spec.width
        cell = ws.cell(1, i)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    count = 0
    for row in rows:
        count += 1
        for i, value in enumerate(row, start=1):
            cell = ws.cell(count + 1, i, _cell(value))
            if isinstance(value, str):
                # Text stays text: a stored "=…" is never turned into a formula.
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    _add_lists(wb, ws, kind, choices or {}, last_row=max(count + 1000, 2000))
    _add_help(wb, kind, notes)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _add_lists(
    wb: Workbook, ws: object, kind: SheetKind, choices: Mapping[str, Sequence[str]], last_row: int
) -> None:
    used = [c for c in kind.columns if c.choices and choices.get(c.choices)]
    if not used:
        return
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for n, spec in enumerate(used, start=1):
        assert spec.choices is not None
        values = list(choices[spec.choices])
        letter = get_column_letter(n)
        lists.cell(1, n, spec.header)
        for r, v in enumerate(values, start=2):
            lists.cell(r, n, _text(v)).data_type = "s"
        column = get_column_letter(kind.columns.index(spec) + 1)
        dv = DataValidation(
            type="list",
            formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=not spec.required,
            showErrorMessage=True,
            errorTitle="取值无效",
            error=f"请从下拉列表中选择{spec.header}",
        )
        dv.add(f"{column}2:{column}{last_row}")
        ws.add_data_validation(dv)  # type: ignore[attr-defined]


def _add_help(wb: Workbook, kind: SheetKind, notes: Sequence[str]) -> None:
    ws = wb.create_sheet(HELP_SHEET)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 60
    ws.append([f"{kind.title}导入模板 · 填写说明"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    for line in (*kind.instructions, *notes):
        ws.append([_text(line)])
    ws.append([f"在“{DATA_SHEET}”表第 2 行起逐行填写；标 * 的列必填；有下拉列表的列请从中选择。"])
    ws.append([])
    ws.append(["列", "说明"])
    for spec in kind.columns:
        ws.append([spec.header + (_REQUIRED_MARK if spec.required else ""), _text(spec.note)])
    ws.append([])
    ws.append(["填写示例（请勿把本行复制到数据表以外的位置）"])
    ws.append([c.header for c in kind.columns])
    ws.append([_text(c.example) for c in kind.columns])


def write_csv(kind: SheetKind, rows: Iterable[Sequence[Cell]] = ()) -> bytes:
    """UTF-8 with BOM, so Excel on a Chinese Windows opens it without garbling."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.header + (_REQUIRED_MARK if c.required else "") for c in kind.columns])
    for row in rows:
        w.writerow([safe_csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetRow:
    number: int  # as the user sees it in the sheet (the header is row 1)
    values: dict[str, str | None]


def _decode_csv(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _file_error("CSV 文件编码无法识别（应为 UTF-8 或 GB18030）") from exc


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": "file", "message": message}])


def _plain(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(_FORMULA_START):
        text = text[1:]
    return text or None


def _raw_rows(content: bytes, filename: str) -> Iterable[Sequence[object]]:
    name = filename.lower()
    if name.endswith(".csv"):
        return list(csv.reader(io.StringIO(_decode_csv(content))))
    if not name.endswith(".xlsx") and not zipfile.is_zipfile(io.BytesIO(content)):
        raise UnsupportedMediaType("请上传 .xlsx 或 .csv 文件", code="unsupported_sheet")
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's file problem
        raise _file_error("无法读取该 .xlsx 文件，请用模板重新填写") from exc
    ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
    return ws.iter_rows(values_only=True)


def read_rows(kind: SheetKind, content: bytes, filename: str) -> list[SheetRow]:
    """The data rows of an uploaded template, by column key; blank rows are skipped.

    Columns are found by their header (the ``*`` mark optional, order free); a required
    column that is missing is a 422 naming it, before any row is looked at.
    """
    rows = iter(_raw_rows(content, filename))
    header = next(rows, None)
    if header is None:
        raise _file_error("文件为空：第 1 行应为表头")
    names = [(_plain(h) or "").rstrip(_REQUIRED_MARK).strip() for h in header]
    by_header = {c.header: c.key for c in kind.columns}
    index = {by_header[n]: i for i, n in enumerate(names) if n in by_header}
    missing = [c.header for c in kind.columns if c.required and c.key not in index]
    if missing:
        raise ValidationFailed(
            f"缺少必填列：{'、'.join(missing)}",
            errors=[{"field": "file", "message": f"缺少列“{m}”"} for m in missing],
            code="sheet_columns_missing",
        )
    out: list[SheetRow] = []
    for number, raw in enumerate(rows, start=2):
        values = {k: _plain(raw[i]) if i < len(raw) else None for k, i in index.items()}
        if all(v is None for v in values.values()):
            continue
        if len(out) >= MAX_ROWS:
            raise _file_error(f"一个文件最多 {MAX_ROWS} 行，请分批导入")
        out.append(SheetRow(number, values))
    return out


# --- cell parsing for the kinds -------------------------------------------------------------


class CellProblem(ValueError):
    """A cell's value is not acceptable; the message is shown to the user as is."""


def as_decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation as exc:
        raise CellProblem(f"“{text}”不是数字") from exc
    if not value.is_finite():
        raise CellProblem(f"“{text}”不是数字")
    return value


def as_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    for suffix in ("年", "月"):
        cleaned = cleaned.replace(suffix, "-")
    cleaned = cleaned.replace("日", "").strip("-")
    try:
        return dt.date.fromisoformat(cleaned[:10])
    except ValueError:
        parts = cleaned.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                pass
        raise CellProblem(f"“{text}”不是日期（示例：2026-06-30）") from None


def as_list(text: str | None) -> list[str]:
    if text is None:
        return []
    for sep in ("；", ";", "，", ","):
        text = text.replace(sep, "、")
    return [p.strip() for p in text.split("、") if p.strip()]


def as_choice(text: str | None, mapping: Mapping[str, str], what: str) -> str | None:
    if text is None:
        return None
    if text in mapping:
        return mapping[text]
    if text in mapping.values():
        return text
    raise CellProblem(f"{what}应为：{'、'.join(mapping)}（收到“{text}”）")


# --- the import summary ---------------------------------------------------------------------


Action = Literal["create", "update", "unchanged", "error"]


class CellError(BaseModel):
    row: int = Field(description="行号（表头为第 1 行）")
    column: str = Field(description="列名")
    message: str = Field(description="错误说明")


class RowOutcome(BaseModel):
    row: int = Field(description="行号")
    key: str = Field(description="该行对应的记录（自然键）")
    action: Action = Field(description="create 新建、update 更新、unchanged 不变、error 有错")
    changes: dict[str, list[str | None]] = Field(
        default_factory=dict, description="更新的列：[原值, 新值]"
    )
    errors: list[CellError] = Field(default_factory=list)


class ImportSummary(BaseModel):
    kind: str = Field(description="导入类型")
    dry_run: bool = Field(description="是否仅预检（不写入）")
    written: bool = Field(description="是否已写入")
    created: int
    updated: int
    unchanged: int
    failed: int = Field(description="有错误的行数")
    rows: list[RowOutcome]
    errors: list[CellError] = Field(description="全部错误，按行列出")


ImportMode = Literal["all", "valid"]


def summarize(
    kind: SheetKind, outcomes: Sequence[RowOutcome], *, dry_run: bool, written: bool
) -> ImportSummary:
    count = {a: sum(1 for o in outcomes if o.action == a) for a in ("create", "update", "error")}
    return ImportSummary(
        kind=kind.name,
        dry_run=dry_run,
        written=written,
        created=count["create"],
        updated=count["update"],
        unchanged=sum(1 for o in outcomes if o.action == "unchanged"),
        failed=count["error"],
        rows=list(outcomes),
        errors=[e for o in outcomes for e in o.errors],
    )


def may_write(outcomes: Sequence[RowOutcome], *, dry_run: bool, mode: ImportMode) -> bool:
    """Whether the import writes: never on a dry run; in ``all`` mode only if no row failed."""
    if dry_run:
        return False
    return mode == "valid" or not any(o.action == "error" for o in outcomes)


class ImportRejected(ValidationFailed):
    """An all-or-nothing import with bad rows; it carries its summary, so an import run as a
    job shows the same row outcomes a dry run would."""

    code = "sheet_rows_invalid"

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__(
            f"{summary.failed} 行有错误，未写入任何数据；请修改后重新导入，或选择只导入正确的行",
            errors=[
                {"field": f"第{e.row}行·{e.column}", "message": e.message}
                for e in summary.errors[:200]
            ],
        )
        self.summary = summary


def rejected(summary: ImportSummary) -> ImportRejected:
    """An all-or-nothing import with bad rows: 422 naming each row and column, nothing written."""
    return ImportRejected(summary)


# Called with (rows done, rows in the file) after each row, so a long import shows how far it is.
Progress = Callable[[int, int], None]


def report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


async def finish_import(
    outer: AsyncSessionTransaction,
    kind: SheetKind,
    outcomes: Sequence[RowOutcome],
    *,
    dry_run: bool,
    mode: ImportMode,
    before_commit: Callable[[], Awaitable[None]] | None = None,
) -> ImportSummary:
    """The ending of every import, whose rows ran inside the savepoint ``outer``: keep them
    (``before_commit`` first, for work the written rows call for) or roll them all back; a
    dry run answers the summary, a refused real import the 422 naming each bad cell."""
    written = may_write(outcomes, dry_run=dry_run, mode=mode)
    summary = summarize(kind, outcomes, dry_run=dry_run, written=written)
    if not written:
        await outer.rollback()
        if not dry_run:
            raise rejected(summary)
        return summary
    if before_commit is not None:
        await before_commit()
    await outer.commit()
    return summary


# --- the HTTP side ---------------------------------------------------------------------------

SheetFormat = Annotated[
    Literal["xlsx", "csv"], Query(description="文件格式：xlsx（默认）或 csv（UTF-8 带 BOM）")
]
DryRun = Annotated[
    bool, Query(description="仅预检（默认）：列出每行将新建、更新或不变及错误，不写入")
]
Mode = Annotated[
    ImportMode,
    Query(description="all：任何一行有错则全部不写入（默认）；valid：只写入正确的行"),
]
SheetFile = Annotated[UploadFile, File(description="按模板填写的 .xlsx 或 .csv 文件")]


def download(
    kind: SheetKind,
    fmt: str,
    name: str,
    rows: Iterable[Sequence[Cell]],
    *,
    choices: Mapping[str, Sequence[str]] | None = None,
    notes: Sequence[str] = (),
) -> Response:
    """A template or export as an attachment named in Chinese (RFC 6266 ``filename*``)."""
    if fmt == "csv":
        body, media, ext = write_csv(kind, rows), CSV_TYPE, "csv"
    else:
        body, media, ext = write_xlsx(kind, rows, choices=choices, notes=notes), XLSX_TYPE, "xlsx"
    return Response(
        body,
        media_type=media,
        headers=attachment(f"{name}.{ext}", fallback=f"{kind.name}.{ext}"),
    )


async def read_upload(kind: SheetKind, file: UploadFile) -> list[SheetRow]:
    return read_rows(kind, await file.read(), file.filename or "")
