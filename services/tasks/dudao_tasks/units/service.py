"""Units (责任单位): create, edit, resolve raw names. Resolution never creates a unit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import ColumnElement, delete, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from dudao_shared.auth import Principal
from dudao_shared.errors import Conflict, NotFound, ValidationFailed
from dudao_shared.pagination import paginate, sort_order
from dudao_shared.versioning import flush_versioned

from ..audit_trail import diff, record, snapshot
from ..common.names import normalize_name
from ..models import Assignment, Unit, UnitAlias
from ..regions import service as regions
from .schemas import (
    HandedOver,
    ResolvedName,
    ResolveResult,
    SuccessionRequest,
    SuccessionResult,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)

FIELDS = (
    "name",
    "full_name",
    "level",
    "region_code",
    "parent_id",
    "uscc",
    "active_from",
    "active_until",
    "successor_id",
)


class UnitNotFound(NotFound):
    code, title = "unit_not_found", "单位不存在"


class UnitNameTaken(Conflict):
    code, title = "unit_name_taken", "同一区划内已有同名单位或别名"


def check_region(code: str) -> None:
    """A region code must name a region of the reference data (422 ``region_unknown``)."""
    if not regions.exists(code):
        raise ValidationFailed(
            "区划代码不在参考数据中",
            errors=[{"field": "region_code", "message": f"未知的区划代码 {code}"}],
            code="region_unknown",
        )


async def aliases_of(
    session: AsyncSession, unit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {u: [] for u in unit_ids}
    if not unit_ids:
        return out
    rows = await session.execute(
        select(UnitAlias.unit_id, UnitAlias.alias)
        .where(col(UnitAlias.unit_id).in_(unit_ids))
        .order_by(col(UnitAlias.alias))
    )
    for unit_id, alias in rows:
        out[unit_id].append(alias)
    return out


def to_read(unit: Unit, aliases: list[str]) -> UnitRead:
    return UnitRead.model_validate({**unit.model_dump(), "aliases": aliases})


async def read_many(session: AsyncSession, units: Sequence[Unit]) -> list[UnitRead]:
    by_unit = await aliases_of(session, [u.id for u in units])
    return [to_read(u, by_unit[u.id]) for u in units]


async def _check_names_free(
    session: AsyncSession, *, region_code: str, names: Sequence[str], exclude: uuid.UUID | None
) -> None:
    """A name or alias may stand for one unit only in a region, or resolving is a guess."""
    if not names:
        return
    stmt_units = select(Unit.name).where(Unit.region_code == region_code, col(Unit.name).in_(names))
    stmt_alias = select(UnitAlias.alias).where(
        UnitAlias.region_code == region_code,
        col(UnitAlias.alias).in_(names),
    )
    if exclude is not None:
        stmt_units = stmt_units.where(Unit.id != exclude)
        stmt_alias = stmt_alias.where(UnitAlias.unit_id != exclude)
    taken = set((await session.execute(stmt_units)).scalars()) | set(
        (await session.execute(stmt_alias)).scalars()
    )
    if taken:
        raise UnitNameTaken(f"已被其他单位使用：{'、'.join(sorted(taken))}")


async def create_unit(session: AsyncSession, *, principal: Principal, data: UnitCreate) -> UnitRead:
    check_region(data.region_code)
    aliases = [a for a in data.aliases if a != data.name]
    await _check_names_free(
        session, region_code=data.region_code, names=[data.name, *aliases], exclude=None
    )
    unit = Unit(**data.model_dump(exclude={"aliases"}))
    session.add(unit)
    await session.flush()
    session.add_all(
        UnitAlias(unit_id=unit.id, region_code=unit.region_code, alias=a) for a in aliases
    )
    record(
        session,
        principal=principal,
        entity="unit",
        entity_id=unit.id,
        action="create",
        after={**snapshot(unit, FIELDS), "aliases": aliases},
        unit_id=unit.id,
    )
    await session.flush()
    return to_read(unit, sorted(aliases))


async def update_unit(
    session: AsyncSession, *, principal: Principal, unit: Unit, data: UnitUpdate
) -> UnitRead:
    values = data.model_dump(exclude_unset=True, exclude={"aliases"})
    for required in ("name", "level", "region_code"):
        if required in values and values[required] is None:
            raise ValidationFailed(
                "字段不能为空", errors=[{"field": required, "message": "不能为空"}]
            )
    region_code = values.get("region_code", unit.region_code)
    if region_code != unit.region_code:
        check_region(region_code)
    name = values.get("name", unit.name)
    old_aliases = (await aliases_of(session, [unit.id]))[unit.id]
    aliases = old_aliases if data.aliases is None else [a for a in data.aliases if a != name]
    await _check_names_free(
        session, region_code=region_code, names=[name, *aliases], exclude=unit.id
    )
    start = values.get("active_from", unit.active_from)
    end = values.get("active_until", unit.active_until)
    if start and end and end < start:
        raise ValidationFailed(
            "停用日期不能早于启用日期",
            errors=[{"field": "active_until", "message": "早于启用日期"}],
        )
    before = {**snapshot(unit, FIELDS), "aliases": old_aliases}
    unit.sqlmodel_update(values)
    await flush_versioned(session)
    if data.aliases is not None or region_code != before["region_code"]:
        await session.execute(delete(UnitAlias).where(col(UnitAlias.unit_id) == unit.id))
        session.add_all(
            UnitAlias(unit_id=unit.id, region_code=region_code, alias=a) for a in aliases
        )
    b, a = diff(before, {**snapshot(unit, FIELDS), "aliases": aliases})
    record(
        session,
        principal=principal,
        entity="unit",
        entity_id=unit.id,
        action="update",
        before=b,
        after=a,
        unit_id=unit.id,
    )
    await session.flush()
    return to_read(unit, sorted(aliases))


def active_on(on: dt.date) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (
        or_(col(Unit.active_from).is_(None), col(Unit.active_from) <= on),
        or_(col(Unit.active_until).is_(None), col(Unit.active_until) >= on),
    )


async def resolve_names(
    session: AsyncSession, *, region_code: str, names: Sequence[str], on: dt.date
) -> ResolveResult:
    """Each raw name to the unit it names in the region, by name or alias, or "unresolved"."""
    check_region(region_code)
    normalized = [normalize_name(n) for n in names]
    wanted = sorted({n for n in normalized if n})
    by_name: dict[str, Unit] = {}
    by_alias: dict[str, Unit] = {}
    if wanted:
        units = (
            (
                await session.execute(
                    select(Unit).where(
                        Unit.region_code == region_code, col(Unit.name).in_(wanted), *active_on(on)
                    )
                )
            )
            .scalars()
            .all()
        )
        by_name = {u.name: u for u in units}
        rows = await session.execute(
            select(UnitAlias.alias, Unit)
            .join(Unit, col(Unit.id) == col(UnitAlias.unit_id))
            .where(
                UnitAlias.region_code == region_code,
                col(UnitAlias.alias).in_(wanted),
                *active_on(on),
            )
        )
        by_alias = {alias: unit for alias, unit in rows}
    retired = await _successors(
        session,
        region_code=region_code,
        names=[n for n in wanted if n not in by_name and n not in by_alias],
        on=on,
    )
    found = list(
        {
            u.id: u
            for u in [*by_name.values(), *by_alias.values(), *(s for _, s in retired.values())]
        }.values()
    )
    reads = {r.id: r for r in await read_many(session, found)}
    items: list[ResolvedName] = []
    for raw, n in zip(names, normalized, strict=True):
        unit = by_name.get(n)
        how: Literal["name", "alias", "successor"] | None = "name" if unit else None
        warning = None
        if unit is None and n in by_alias:
            unit, how = by_alias[n], "alias"
        if unit is None and n in retired:
            old, unit = retired[n]
            how = "successor"
            warning = f"“{old.name}”已于 {old.active_until} 停用，由“{unit.name}”承继"
        items.append(
            ResolvedName(
                name=raw,
                normalized=n,
                status="resolved" if unit else "unresolved",
                matched_by=how,
                unit=reads[unit.id] if unit else None,
                warning=warning,
            )
        )
    return ResolveResult(items=items, unresolved=[i.name for i in items if i.unit is None])


async def _successors(
    session: AsyncSession, *, region_code: str, names: Sequence[str], on: dt.date
) -> dict[str, tuple[Unit, Unit]]:
    """Names of units retired by ``on`` (by name or alias) → (the retired unit, the active unit
    that carries on its work, following a chain of renames)."""
    if not names:
        return {}
    rows = await session.execute(
        select(Unit, UnitAlias.alias)
        .outerjoin(UnitAlias, col(UnitAlias.unit_id) == col(Unit.id))
        .where(
            Unit.region_code == region_code,
            col(Unit.successor_id).is_not(None),
            col(Unit.active_until) < on,
            or_(col(Unit.name).in_(names), col(UnitAlias.alias).in_(names)),
        )
    )
    out: dict[str, tuple[Unit, Unit]] = {}
    for old, alias in rows:
        current: Unit | None = old
        for _ in range(10):  # a chain of renames is short; a cycle must not loop forever
            if current is None or current.successor_id is None:
                break
            current = await session.get(Unit, current.successor_id)
            if current is not None and (current.active_until is None or current.active_until >= on):
                for name in (old.name, alias):
                    if name in names:
                        out[name] = (old, current)
                break
    return out


OPEN_ASSIGNMENT_EXCLUDES = ("accepted", "closed")


async def succession(
    session: AsyncSession,
    *,
    principal: Principal,
    unit: Unit,
    successor: Unit,
    data: SuccessionRequest,
) -> SuccessionResult:
    """Retire ``unit`` in favour of ``successor`` and hand over its open assignments — or, when
    not confirmed, only show what would be handed over."""
    open_rows = (
        await session.scalars(
            select(Assignment)
            .where(
                Assignment.unit_id == unit.id,
                col(Assignment.status).not_in(OPEN_ASSIGNMENT_EXCLUDES),
            )
            .order_by(col(Assignment.plan_id), col(Assignment.created_at))
            .with_for_update()
        )
    ).all()
    taken = set(
        (
            await session.scalars(
                select(Assignment.item_id).where(
                    Assignment.unit_id == successor.id,
                    col(Assignment.item_id).in_([a.item_id for a in open_rows]),
                )
            )
        ).all()
    )
    listed = [
        HandedOver(
            assignment_id=a.id,
            plan_id=a.plan_id,
            task_id=a.item_id,
            role=a.role,
            status=a.status,
            conflict=a.item_id in taken,
        )
        for a in open_rows
    ]
    moved = 0
    if data.confirm:
        await update_unit(
            session,
            principal=principal,
            unit=unit,
            data=UnitUpdate(active_until=data.active_until, successor_id=successor.id),
        )
        for a in open_rows:
            if a.item_id in taken:
                continue
            a.unit_id = successor.id
            moved += 1
            record(
                session,
                principal=principal,
                entity="assignment",
                entity_id=a.id,
                action="hand_over",
                before={"unit_id": str(unit.id)},
                after={"unit_id": str(successor.id), "reason": "单位停用，由承继单位承接"},
                plan_id=a.plan_id,
                task_id=a.item_id,
                unit_id=successor.id,
            )
        await flush_versioned(session)
    reads = await read_many(session, [unit, successor])
    return SuccessionResult(
        confirmed=data.confirm,
        unit=reads[0],
        successor=reads[1],
        open_assignments=listed,
        moved=moved,
    )


ORDERS = {
    "name": col(Unit.name),
    "created_at": col(Unit.created_at),
    "region_code": col(Unit.region_code),
}


async def list_units(
    session: AsyncSession,
    *,
    visible: ColumnElement[bool],
    region_code: str | None,
    q: str | None,
    on: dt.date | None,
    order: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[UnitRead], str | None]:
    """One page of the units matching the filters among those ``visible`` to the caller."""
    stmt = select(Unit).where(visible)
    if region_code:
        stmt = stmt.where(Unit.region_code == region_code)
    if q:
        alias_match = select(UnitAlias.unit_id).where(col(UnitAlias.alias).contains(q))
        stmt = stmt.where(or_(col(Unit.name).contains(q), col(Unit.id).in_(alias_match)))
    if on:
        stmt = stmt.where(*active_on(on))
    rows, nxt = await paginate(
        session,
        stmt,
        limit=limit,
        cursor=cursor,
        order_by=sort_order(order, ORDERS, default="name", id_column=col(Unit.id)),
    )
    return await read_many(session, rows), nxt
