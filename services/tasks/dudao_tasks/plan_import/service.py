"""Plan import: a parsed document becomes a preview, then, on confirmation, tracked work.

The task side (plan, items, deadlines, assignments) is written in the request's transaction;
the indicator side goes to the indicator service over HTTP *before* that transaction commits,
so an indicator failure leaves nothing behind here. Should our own commit fail after the
indicator service accepted, the import is retried as a whole: the bulk route is idempotent per
plan and the plan id is fixed before the call.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import uuid
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from dudao_importer import (
    DocumentTooLarge,
    Limits,
    ParseTimeLimit,
    UnsupportedDocument,
    parse_isolated,
    warm_up,
)
from dudao_shared.auth import Principal
from dudao_shared.clock import get_today, utcnow
from dudao_shared.errors import (
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from dudao_shared.http import ServiceClient
from dudao_shared.parsed_plan import (
    IndicatorRow,
    KeyListRow,
    ParsedDocument,
    ParsedPlan,
    Span,
    TextTarget,
)

from ..common.names import normalize_name
from ..models import Item, PlanImport
from ..plans.schemas import AssignmentSpec, DeadlineIn, ItemSpec, PlanCreate
from ..plans.service import create_plan_tree
from ..regions import service as regions
from ..units.schemas import UnitCreate
from ..units.service import create_unit, resolve_names
from .schemas import (
    DeadlineFinding,
    ImportPreview,
    ImportResult,
    ItemFinding,
    SourceSpan,
    UnitFinding,
    Warning_,
)

_SPACES = re.compile(r"\s+")
_REGION_SUFFIX = re.compile(r"(省|市|区|县|自治县)$")

log = logging.getLogger("dudao.tasks.plan_import")


PARSE_LIMITS = Limits()


async def start_parser() -> None:
    """Start the parser's process server at startup, so the first import does not pay for it."""
    await asyncio.to_thread(warm_up)


async def parse_document(data: bytes, filename: str | None, *, field: str) -> ParsedPlan:
    """Parse an uploaded document (or pasted text) off the event loop, in a child process with
    size and CPU limits; a document beyond a limit is the caller's fault, named in the problem."""
    try:
        parsed = await asyncio.to_thread(
            parse_isolated, data, filename or "text.txt", limits=PARSE_LIMITS
        )
    except DocumentTooLarge as exc:
        raise PayloadTooLarge(
            f"文件超出上限：{exc.limit}（上限 {exc.allowed}，实际至少 {exc.found}）",
            code="document_too_large",
            title="文件超出解析上限",
            errors=[
                {"field": field, "message": f"{exc.limit}: 上限 {exc.allowed}，实际 {exc.found}"}
            ],
        ) from None
    except ParseTimeLimit as exc:
        raise ValidationFailed(
            f"文件解析超出时间上限：{exc.limit}（{exc.allowed} 秒）",
            code="document_too_complex",
            title="文件过于复杂，无法在限定时间内解析",
            errors=[{"field": field, "message": f"{exc.limit}: 上限 {exc.allowed} 秒"}],
        ) from None
    except UnsupportedDocument as exc:
        # The reader's reason (often a library's exception) is for the log, not the client.
        log.info("unsupported document %r: %s", filename, exc)
        raise UnsupportedMediaType(
            "无法读取该文件：格式不受支持或内容已损坏（支持 .txt、.md、.docx、.pdf、.html）",
            code="unsupported_document",
        ) from None
    return parsed if filename else parsed.model_copy(update={"source_name": None})


def source_hash(text: str) -> str:
    """Layout-blind fingerprint, so the same plan as .txt, .docx or PDF is one document."""
    return hashlib.sha256(_SPACES.sub("", text).encode()).hexdigest()


def detect_region(document: ParsedDocument) -> str | None:
    """The most specific region named by the issuer or the title (e.g. 新建区 → 360112)."""
    haystacks = [h for h in (document.issuer, document.title) if h]
    depth = {"province": 0, "city": 1, "county": 2}
    for hay in haystacks:
        full = [r for r in regions.all_regions() if r.name in hay]
        if full:
            return max(full, key=lambda r: (depth.get(r.level, 0), len(r.name))).code
    # Zones and offices often write the short name only: 南昌高新区管委会 → 南昌市.
    for hay in haystacks:
        short = [
            r
            for r in regions.all_regions()
            if len(_REGION_SUFFIX.sub("", r.name)) >= 2
            and hay.startswith(_REGION_SUFFIX.sub("", r.name))
        ]
        if short:
            return max(short, key=lambda r: (depth.get(r.level, 0), len(r.name))).code
    return None


def check_import_region(code: str) -> None:
    """An import needs a known region (given, or read from the issuer): 422 otherwise."""
    if not regions.exists(code):
        raise ValidationFailed(
            "无法确定规划所属行政区划，请指定 region_code",
            errors=[{"field": "region_code", "message": "请填写六位区划代码"}],
        )


def _span(text: str, span: Span | None) -> SourceSpan | None:
    if span is None:
        return None
    start, end = span
    if not start <= end <= len(text):
        return None
    return SourceSpan(start=start, end=end, text=text[start:end][:2000])


async def build_preview(
    session: AsyncSession,
    *,
    parsed: ParsedPlan,
    region_code: str,
    region_source: Literal["given", "detected"],
    create_missing_units: bool,
    source_name: str | None,
) -> ImportPreview:
    text = parsed.text
    document = parsed.document
    digest = source_hash(text)
    duplicate = await session.scalar(
        select(PlanImport.plan_id).where(PlanImport.source_hash == digest).limit(1)
    )
    names = sorted({u.name for i in parsed.items for u in i.units})
    on = document.issued_on or get_today()
    resolved = await resolve_names(session, region_code=region_code, names=names, on=on)
    by_name = {r.name: r for r in resolved.items}

    warnings = [
        Warning_(code=w.code, message=w.message, span=_span(text, w.span)) for w in parsed.warnings
    ]
    items: list[ItemFinding] = []
    for raw in parsed.items:
        units = []
        for u in raw.units:
            hit = by_name.get(u.name)
            status: Literal["resolved", "will_create", "unresolved"] = (
                "resolved"
                if hit and hit.unit
                else ("will_create" if create_missing_units else "unresolved")
            )
            units.append(
                UnitFinding(
                    name=u.name,
                    role=u.role,
                    status=status,
                    unit_id=hit.unit.id if hit and hit.unit else None,
                    unit_name=hit.unit.name if hit and hit.unit else None,
                )
            )
        sources = {s.date: s for s in raw.deadline_sources}
        deadlines = []
        for due in raw.deadlines:
            src = sources.get(due)
            deadlines.append(
                DeadlineFinding(
                    due_on=due,
                    text=src.text if src else None,
                    span=_span(text, src.span) if src else None,
                )
            )
        items.append(
            ItemFinding(
                code=raw.code,
                kind=raw.kind,
                title=raw.title[:500],
                span=_span(text, raw.span),
                units=units,
                units_span=_span(text, raw.units_span),
                deadlines=deadlines,
            )
        )
    for name in resolved.unresolved:
        warnings.append(
            Warning_(
                code="unit_unresolved",
                message=(
                    f"责任单位“{name}”在本区划中没有匹配的单位"
                    + ("，确认时将新建" if create_missing_units else "，确认时将不分配")
                ),
            )
        )
    indicators, targets, key_list = (
        [_with_source(text, entry) for entry in collection]
        for collection in (parsed.indicators, parsed.targets, parsed.key_list)
    )
    if duplicate:
        warnings.insert(
            0, Warning_(code="duplicate_document", message="同一文件已经导入过，确认将被拒绝")
        )
    counts = {
        "sections": sum(1 for i in items if i.kind == "section"),
        "tasks": sum(1 for i in items if i.kind == "task"),
        "projects": sum(1 for i in items if i.kind == "project"),
        "units": len(names),
        "unresolved_units": len(resolved.unresolved),
        "deadlines": sum(len(i.deadlines) for i in items),
        "indicators": len(indicators),
        "targets": len(targets),
        "key_list": len(key_list),
    }
    return ImportPreview(
        source_hash=digest,
        source_name=source_name,
        duplicate_of=duplicate,
        region_code=region_code,
        region_source=region_source,
        document=document.model_dump(mode="json", exclude_unset=True),
        items=items,
        indicators=indicators,
        targets=targets,
        key_list=key_list,
        warnings=warnings,
        counts=counts,
    )


def _with_source(text: str, entry: IndicatorRow | TextTarget | KeyListRow) -> dict[str, Any]:
    """A parsed entry for the preview, its span replaced by the words it came from."""
    out = entry.model_dump(mode="json", exclude_unset=True)
    if "span" in out:
        del out["span"]
        source = _span(text, entry.span)
        out["source"] = source.model_dump() if source else None
    return out


def _plan_level(region_code: str) -> Literal["province", "city", "county"]:
    level = regions.get(region_code).level
    if level == "province":
        return "province"
    return "city" if level == "city" else "county"


async def confirm_import(
    session: AsyncSession,
    *,
    principal: Principal,
    parsed: ParsedPlan,
    preview: ImportPreview,
    create_missing_units: bool,
    indicators_client: ServiceClient | None,
) -> ImportResult:
    if preview.duplicate_of is not None:
        raise Conflict(
            f"同一文件已导入为规划 {preview.duplicate_of}",
            code="plan_already_imported",
            title="规划已导入",
        )
    warnings = list(preview.warnings)
    created: dict[str, uuid.UUID] = {}
    if create_missing_units:
        level = _plan_level(preview.region_code)
        for name in sorted(
            {u.name for i in preview.items for u in i.units if u.status == "will_create"}
        ):
            unit = await create_unit(
                session,
                principal=principal,
                data=UnitCreate(
                    name=normalize_name(name)[:100], level=level, region_code=preview.region_code
                ),
            )
            created[name] = unit.id

    doc = parsed.document
    item_specs = _with_ancestors(
        [
            ItemSpec(
                code=i.code,
                kind=i.kind,
                title=i.title or i.code,
                body=i.span.text if i.span else None,
                deadlines=[
                    DeadlineIn(due_on=d.due_on, text=(d.text or None) and d.text[:200])
                    for d in i.deadlines
                ],
            )
            for i in preview.items
        ]
    )
    assignments: list[AssignmentSpec] = []
    for item in preview.items:
        if item.kind == "section":
            continue
        rows = []
        seen: set[uuid.UUID] = set()
        for u in item.units:
            unit_id = u.unit_id or created.get(u.name)
            if unit_id is None or unit_id in seen:
                continue
            seen.add(unit_id)
            rows.append(AssignmentSpec(code=item.code, unit_id=unit_id, role=u.role))
        if rows and not any(r.role == "lead" for r in rows):
            warnings.append(
                Warning_(
                    code="lead_unresolved",
                    message=f"任务 {item.code} 的牵头单位未匹配，未分配责任单位",
                )
            )
            continue
        assignments.extend(rows)

    plan = await create_plan_tree(
        session,
        principal=principal,
        plan=PlanCreate(
            title=(doc.title or preview.source_name or "未命名规划")[:300],
            doc_number=doc.doc_number or None,
            issuer=doc.issuer or None,
            issued_on=doc.issued_on,
            period_start=doc.period.start,
            period_end=doc.period.end,
            level=_plan_level(preview.region_code),
            region_code=preview.region_code,
            source_text=parsed.text or None,
        ),
        items=item_specs,
        assignments=assignments,
    )
    session.add(
        PlanImport(
            plan_id=plan.id,
            source_hash=preview.source_hash,
            source_name=preview.source_name,
            created_by=principal.sub[:200],
            created_at=utcnow(),
        )
    )
    await session.flush()

    indicator_count = 0
    if indicators_client is not None and (preview.indicators or preview.targets):
        item_ids = await _item_ids(session, plan.id)
        indicator_count = await push_indicators(
            indicators_client,
            plan_id=plan.id,
            region_code=preview.region_code,
            parsed=parsed,
            item_ids=item_ids,
        )
    counts = dict(preview.counts)
    counts["assignments"] = len(assignments)
    counts["indicators_created"] = indicator_count
    return ImportResult(
        plan_id=plan.id,
        source_hash=preview.source_hash,
        counts=counts,
        created_units=sorted(created),
        warnings=warnings,
    )


def _with_ancestors(specs: list[ItemSpec]) -> list[ItemSpec]:
    """Projects of a 专栏 box carry the box in their code (三.(一).专栏1.(一)) while the box
    itself is not a numbered item: it becomes a section so the tree has every parent."""
    seen: set[str] = set()
    out: list[ItemSpec] = []
    for spec in specs:
        parts = spec.code.split(".")
        for depth in range(1, len(parts)):
            ancestor = ".".join(parts[:depth])
            if ancestor not in seen:
                seen.add(ancestor)
                out.append(ItemSpec(code=ancestor, kind="section", title=parts[depth - 1]))
        seen.add(spec.code)
        out.append(spec)
    return out


async def _item_ids(session: AsyncSession, plan_id: uuid.UUID) -> dict[str, str]:
    rows = await session.execute(select(Item.code, Item.id).where(Item.plan_id == plan_id))
    return {code: str(item_id) for code, item_id in rows}


async def push_indicators(
    client: ServiceClient,
    *,
    plan_id: uuid.UUID,
    region_code: str,
    parsed: ParsedPlan,
    item_ids: dict[str, str],
) -> int:
    """Indicators and in-text targets to the indicator service, as one all-or-nothing call."""
    body = {
        "plan_id": str(plan_id),
        "region_code": region_code,
        "indicators": [_strip(i) for i in parsed.indicators],
        "targets": [_strip(t) for t in parsed.targets],
        "item_ids": item_ids,
        "default_target_year": parsed.document.period.end,
    }
    result = await client.post_json("/api/v1/indicators/parsed", body)
    return len(result.get("items") or [])


def _strip(entry: IndicatorRow | TextTarget) -> dict[str, Any]:
    """What the indicator service reads; spans are for the preview only."""
    return entry.model_dump(mode="json", exclude_unset=True, exclude={"span"})
