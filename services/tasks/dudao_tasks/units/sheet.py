"""The unit directory in a spreadsheet: template, export and import with a dry run.

A row is one unit, found by its 统一社会信用代码 when it has one, else by region and name. Rows
go through ``service.create_unit``/``update_unit`` (the same rules as the API), each in its
own savepoint; a dry run is the import rolled back. A 上级单位 or 承继单位 is named, not given
by id, and may be a unit created by an earlier row of the same file.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from dudao_shared.auth import Principal
from dudao_shared.errors import Problem
from dudao_shared.regions import can_write_region, region_prefix
from dudao_shared.sheet_jobs import ImportRequest, SheetImporter
from dudao_shared.sheets import (
    Cell,
    CellError,
    CellProblem,
    ImportMode,
    ImportSummary,
    Progress,
    RowOutcome,
    SheetColumn,
    SheetKind,
    SheetRow,
    as_choice,
    as_date,
    as_list,
    finish_import,
    report,
)
from dudao_shared.sheets import (
    download as download,
)

from ..models import Unit, UnitAlias
from ..regions import service as regions
from . import service
from .schemas import UnitCreate, UnitUpdate

LEVELS = {"省级": "province", "市级": "city", "县级": "county", "乡镇": "township", "其他": "other"}
_LEVEL_ZH = {v: k for k, v in LEVELS.items()}

KIND = SheetKind(
    name="units",
    title="责任单位",
    columns=(
        SheetColumn("name", "单位名称", 24, True, "常用名称，同一区划内唯一", "区卫健委"),
        SheetColumn("full_name", "全称", 36, False, "", "南昌市新建区卫生健康委员会"),
        SheetColumn(
            "aliases", "别名", 28, False, "多个别名用顿号分隔", "新建区卫健委、区卫生健康委"
        ),
        SheetColumn("level", "层级", 10, True, "省级、市级、县级、乡镇、其他", "县级", "levels"),
        SheetColumn("region_code", "区划代码", 12, True, "六位行政区划代码", "360112", "regions"),
        SheetColumn("parent", "上级单位", 24, False, "同一文件中靠前的行或已有单位的名称", ""),
        SheetColumn("uscc", "统一社会信用代码", 22, False, "18 位；填写后按此代码识别单位", ""),
        SheetColumn("active_from", "启用日期", 12, False, "如 2024-01-01", ""),
        SheetColumn("active_until", "停用日期", 12, False, "更名或合并后填写", ""),
        SheetColumn("successor", "承继单位", 24, False, "停用后承接工作的单位名称", ""),
    ),
    instructions=(
        "一行是一个责任单位；有统一社会信用代码的按代码识别，否则按区划代码和单位名称识别。",
        "名称、别名在同一区划内不能重复；停用的单位保留历史，不会删除。",
        "先“预检”查看每一行将新建、更新或不变，以及每个错误所在的行和列；无误后再导入。",
    ),
)
_FIELD_COLUMN = {
    "parent_id": "parent",
    "successor_id": "successor",
    "aliases": "aliases",
}
_COMPARED = ("name", "full_name", "level", "uscc", "active_from", "active_until")


async def rows_for(session: AsyncSession, *, region_code: str | None) -> list[list[Cell]]:
    q = select(Unit)
    if region_code:
        q = q.where(col(Unit.region_code).startswith(region_prefix(region_code)))
    units = (await session.scalars(q.order_by(col(Unit.region_code), col(Unit.name)))).all()
    names = {u.id: u.name for u in units}
    missing = {u.parent_id for u in units} | {u.successor_id for u in units}
    missing -= set(names) | {None}
    if missing:
        for u in await session.scalars(select(Unit).where(col(Unit.id).in_(missing))):
            names[u.id] = u.name
    aliases = await service.aliases_of(session, [u.id for u in units])
    return [
        [
            u.name,
            u.full_name,
            "、".join(aliases[u.id]),
            _LEVEL_ZH.get(u.level, u.level),
            u.region_code,
            names.get(u.parent_id) if u.parent_id else None,
            u.uscc,
            u.active_from,
            u.active_until,
            names.get(u.successor_id) if u.successor_id else None,
        ]
        for u in units
    ]


async def choices(session: AsyncSession, region_code: str | None) -> dict[str, list[str]]:
    """The template's drop-down lists: the levels, and the region codes under ``region_code``."""
    codes = [
        r.code
        for r in regions.all_regions()
        if region_code is None or r.code.startswith(region_prefix(region_code))
    ]
    return {"levels": list(LEVELS), "regions": codes}


def _error(row: int, key: str, message: str) -> CellError:
    return CellError(row=row, column=KIND.header_of(key), message=message)


def _column_of(field: str) -> str:
    known = {c.key for c in KIND.columns}
    return _FIELD_COLUMN.get(field, field if field in known else "name")


async def _find(session: AsyncSession, region: str, name: str, uscc: str | None) -> Unit | None:
    conditions: list[ColumnElement[bool]] = [
        (col(Unit.region_code) == region) & (col(Unit.name) == name)
    ]
    if uscc:
        conditions.insert(0, col(Unit.uscc) == uscc)
    found = (await session.scalars(select(Unit).where(or_(*conditions)))).all()
    if uscc:
        by_code = [u for u in found if u.uscc == uscc]
        if by_code:
            return by_code[0]
    return found[0] if found else None


async def _named(
    session: AsyncSession, region: str, name: str | None, before: dict[tuple[str, str], uuid.UUID]
) -> uuid.UUID | None:
    """A unit named in a cell: by name or alias in the row's region, else by a name that is
    unique anywhere (a 上级单位 is often a level up), else by the name it had before this file
    (an exported sheet that renames a unit still names it the old way in other rows)."""
    if not name:
        return None
    if (region, name) in before and await session.get(Unit, before[(region, name)]) is not None:
        earlier = before[(region, name)]
        if not await session.scalar(
            select(Unit.id).where(Unit.region_code == region, Unit.name == name)
        ):
            return earlier
    found = await session.scalar(
        select(Unit.id).where(Unit.region_code == region, Unit.name == name)
    ) or await session.scalar(
        select(UnitAlias.unit_id).where(UnitAlias.region_code == region, UnitAlias.alias == name)
    )
    if found is not None:
        return found
    anywhere = (await session.scalars(select(Unit.id).where(Unit.name == name).limit(2))).all()
    if len(anywhere) != 1:
        raise CellProblem(
            f"找不到名为“{name}”的单位"
            if not anywhere
            else f"“{name}”不止一个，请先导入本区划的单位"
        )
    return anywhere[0]


async def import_rows(
    session: AsyncSession,
    principal: Principal,
    *,
    rows: Sequence[SheetRow],
    dry_run: bool,
    mode: ImportMode,
    progress: Progress | None = None,
) -> ImportSummary:
    named = {r.values.get(c) for r in rows for c in ("parent", "successor")} - {None}
    before = {
        (region, name): uid
        for uid, region, name in (
            await session.execute(
                select(Unit.id, Unit.region_code, Unit.name).where(col(Unit.name).in_(named))
            )
        ).all()
    }
    outer = await session.begin_nested()
    seen: dict[tuple[str, str], int] = {}
    outcomes: list[RowOutcome] = []
    for r in rows:
        outcomes.append(await _import_row(session, principal, r, seen, before))
        report(progress, len(outcomes), len(rows))
    return await finish_import(outer, KIND, outcomes, dry_run=dry_run, mode=mode)


async def _import_row(
    session: AsyncSession,
    principal: Principal,
    r: SheetRow,
    seen: dict[tuple[str, str], int],
    before: dict[tuple[str, str], uuid.UUID],
) -> RowOutcome:
    v = r.values
    region, name = v.get("region_code") or "", v.get("name") or ""
    key = f"{region} · {name}"

    def fail(errors: list[CellError]) -> RowOutcome:
        return RowOutcome(row=r.number, key=key, action="error", errors=errors)

    if not can_write_region(principal, region) and region:
        return fail(
            [_error(r.number, "region_code", f"只能导入本辖区（{principal.region_code}）的单位")]
        )
    if (region, name) in seen:
        return fail([_error(r.number, "name", f"与第 {seen[(region, name)]} 行是同一单位")])
    seen[(region, name)] = r.number
    data: dict[str, Any] = {
        "name": name,
        "full_name": v.get("full_name"),
        "aliases": as_list(v.get("aliases")),
        "region_code": region,
        "uscc": v.get("uscc"),
    }
    try:
        for column in ("active_from", "active_until"):
            data[column] = as_date(v.get(column))
    except CellProblem as exc:
        return fail([_error(r.number, column, str(exc))])
    try:
        data["level"] = as_choice(v.get("level"), LEVELS, "层级")
    except CellProblem as exc:
        return fail([_error(r.number, "level", str(exc))])
    for column, field in (("parent", "parent_id"), ("successor", "successor_id")):
        try:
            data[field] = await _named(session, region, v.get(column), before) if region else None
        except CellProblem as exc:
            return fail([_error(r.number, column, str(exc))])
    try:
        create = UnitCreate.model_validate(data)
    except ValidationError as exc:
        return fail(
            [
                _error(r.number, _column_of(str(e["loc"][0]) if e["loc"] else ""), e["msg"])
                for e in exc.errors()
            ]
        )
    existing = await _find(session, create.region_code, create.name, create.uscc)
    try:
        async with session.begin_nested():
            if existing is None:
                await service.create_unit(session, principal=principal, data=create)
                return RowOutcome(row=r.number, key=key, action="create")
            if not can_write_region(principal, existing.region_code):
                return fail([_error(r.number, "region_code", "该单位不在本辖区")])
            current = await service.read_many(session, [existing])
            changes: dict[str, list[str | None]] = {}
            update: dict[str, Any] = {}
            old = current[0].model_dump()
            new = create.model_dump()
            for field in (*_COMPARED, "parent_id", "successor_id", "region_code"):
                if old.get(field) != new.get(field):
                    update[field] = new.get(field)
                    changes[KIND.header_of(_column_of(field))] = [
                        _s(old.get(field)),
                        _s(new.get(field)),
                    ]
            if sorted(old["aliases"]) != sorted(create.aliases):
                update["aliases"] = create.aliases
                changes["别名"] = ["、".join(old["aliases"]), "、".join(create.aliases)]
            if not update:
                return RowOutcome(row=r.number, key=key, action="unchanged")
            await service.update_unit(
                session, principal=principal, unit=existing, data=UnitUpdate.model_validate(update)
            )
            return RowOutcome(row=r.number, key=key, action="update", changes=changes)
    except Problem as exc:
        errors = [
            _error(r.number, _column_of(e.get("field", "")), e.get("message", ""))
            for e in exc.errors or []
        ] or [_error(r.number, "name", exc.detail or exc.title)]
        return fail(errors)


def _s(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


async def _import(
    session: AsyncSession,
    principal: Principal,
    request: ImportRequest,
    rows: list[SheetRow],
    progress: Progress | None,
) -> ImportSummary:
    return await import_rows(
        session, principal, rows=rows, dry_run=request.dry_run, mode=request.mode, progress=progress
    )


# What the import route runs, and the worker for a file too large for a request.
IMPORTER = SheetImporter(KIND, _import)
