"""Policy text → parsed plan (tests/importer/spec/parsed-plan.md)."""

from __future__ import annotations

import re
from typing import Any

from dudao_shared.parsed_plan import ParsedPlan

from .dates import deadlines, year_phrases
from .document import extract_metadata, plan_period
from .indicators import is_indicator_table, parse_indicator_table
from .keylist import is_key_list, parse_key_list
from .structure import GOAL_TITLE, Node, build_structure
from .tables import find_tables
from .targets import extract_targets
from .units import clean_name, split_names

__all__ = ["parse_normalised"]

_NOTE_ALL = re.compile(
    r"(?:以下|下列|上述)[^。；\n]{0,12}(?:责任单位|牵头单位|责任部门)[^。；\n]{0,6}(?:均|都)(?:包括|含|包含)(?P<u>[^。；;）)，,\n]{2,80})"
)
_MAX_TEXT = 5_000_000


def _warn(ws: list[dict[str, Any]], code: str, message: str, span: list[int] | None = None) -> None:
    ws.append({"code": code, "message": message, "span": span})


def _norm_title(s: str) -> str:
    return re.sub(r"[\s，,。、；;：:“”\"'《》（）()—\-–]", "", s or "")


def _text_parts(text: str, nd: Node) -> list[tuple[int, int]]:
    """Paragraph spans of an item, without its unit bracket."""
    parts = []
    for s, e in nd.paras:
        if nd.units_span and s <= nd.units_span[0] < e:
            e = nd.units_span[0]
        elif nd.units_span and s >= nd.units_span[0] and e <= nd.units_span[1]:
            continue
        if e > s:
            parts.append((s, e))
    return parts


def parse_normalised(text: str, source_name: str | None = None) -> ParsedPlan:
    warnings: list[dict[str, Any]] = []
    if len(text) > _MAX_TEXT:
        _warn(
            warnings, "truncated", f"文本过长，仅分析前 {_MAX_TEXT} 个字符", [_MAX_TEXT, len(text)]
        )
        text = text[:_MAX_TEXT]
    lines = text.split("\n")
    offsets: list[int] = []
    pos = 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1

    tables = find_tables(lines)
    skip: set[int] = set()
    for t in tables:
        skip.update(range(t.first_line, t.last_line + 1))
    st = build_structure(text, lines, offsets, skip)
    warnings.extend(st.warnings)

    first_label = min((n.line for n in st.nodes), default=len(lines))
    meta, _title_line = extract_metadata(lines, first_label)
    issue_year = int(meta["issued_on"][:4]) if meta.get("issued_on") else None
    # A one-year plan (2024年重点工作任务) dates bare months (6月底前) in that year.
    titled = plan_period(meta.get("title"), None, [], [])
    plan_year = (
        titled["start"]
        if titled["start"] is not None and titled["start"] == titled["end"]
        else None
    )

    # Units that a note extends to every following task.
    notes: list[tuple[int, list[str]]] = []
    for m in _NOTE_ALL.finditer(text):
        names = [clean_name(x) for x in split_names(re.sub(r"[，,]", "、", m.group("u")))]
        names = [x for x in names if x]
        if names:
            notes.append((m.start(), names))

    items: list[dict[str, Any]] = []
    task_nodes: list[tuple[Node, dict[str, Any]]] = []
    all_targets: list[dict[str, Any]] = []
    deadline_years: list[int] = []
    ordered = sorted(st.nodes, key=lambda n: n.start)
    for nd in ordered:
        if nd.excluded:
            continue
        item: dict[str, Any] = {
            "code": nd.code,
            "title": nd.title,
            "kind": nd.kind,
            "span": [nd.start, nd.span[1]],
        }
        if nd.kind in ("task", "project"):
            units = [dict(u) for u in (nd.units or [])]
            for pos_, names in notes:
                if pos_ < nd.start and units is not None:
                    have = {u["name"] for u in units}
                    units.extend({"name": x, "role": "co"} for x in names if x not in have)
            item["units"] = units
            if nd.units_span:
                item["units_span"] = list(nd.units_span)
            dls: list[str] = []
            sources = []
            for s, e in _text_parts(text, nd):
                for date, phrase, (a, b) in deadlines(
                    text[s:e], min_year=issue_year, default_year=plan_year
                ):
                    sources.append({"date": date, "text": phrase, "span": [s + a, s + b]})
                    if date not in dls:
                        dls.append(date)
                all_targets.extend(extract_targets(text[s:e], s, nd.code))
            item["deadlines"] = sorted(dls)
            item["deadline_sources"] = sources
            deadline_years.extend(int(d[:4]) for d in dls)
            task_nodes.append((nd, item))
        elif nd.kind == "section":
            # A section's own lines (before its first child) can state targets too.
            for s, e in _text_parts(text, nd):
                all_targets.extend(extract_targets(text[s:e], s, nd.code))
        items.append(item)

    # Goals: targets with no item, and the year the plan's main targets fall due.
    goal_years: list[int] = []
    goal_targets: list[dict[str, Any]] = []
    for nd in ordered:
        if not nd.excluded:
            continue
        anc: Node | None = nd
        is_goal = False
        while anc is not None:
            if GOAL_TITLE.search(anc.title) and not anc.box:
                is_goal = True
                break
            anc = anc.parent
        if not is_goal:
            continue
        for s, e in nd.paras:
            seg = text[s:e]
            goal_targets.extend(extract_targets(seg, s, None))
            for p in year_phrases(seg):
                if p.is_deadline and re.search(
                    r"(?:到|至|力争|争取)\s*$", seg[max(0, p.start - 3) : p.start]
                ):
                    goal_years.append(p.year)
    targets = goal_targets + all_targets

    indicators: list[dict[str, Any]] = []
    key_list: list[dict[str, Any]] = []
    for t in tables:
        try:
            if is_indicator_table(t):
                indicators.extend(parse_indicator_table(t))
            elif is_key_list(t):
                key_list.extend(parse_key_list(t))
        except (
            ValueError,
            IndexError,
            KeyError,
        ) as exc:  # a malformed table must not sink the document
            _warn(warnings, "table_unreadable", f"表格无法解析：{exc}", [t.start, t.end])

    # Tasks whose units stand only in a 任务分工表: match rows by title.
    rows_with_units = [r for r in key_list if r.get("unit_roles")]
    if rows_with_units:
        by_title = {_norm_title(r["title"]): r for r in rows_with_units}
        for _node, item in task_nodes:
            if item["units"]:
                continue
            key = _norm_title(item["title"])
            row = by_title.get(key)
            if row is None and len(key) >= 6:
                for k, r in by_title.items():
                    if len(k) >= 6 and (key in k or k in key):
                        row = r
                        break
            if row is not None:
                item["units"] = [dict(u) for u in row["unit_roles"]]
                item["units_from"] = "key_list"
    for r in key_list:
        r.pop("unit_roles", None)
        r.pop("explicit_roles", None)

    period = plan_period(meta.get("title"), meta.get("issued_on"), goal_years, deadline_years)
    document = dict(meta)
    document["period"] = period

    if not st.nodes:
        _warn(warnings, "no_structure", "未识别到编号条目（一、（一）、1. 等），无法拆分任务", None)
    elif not any(i["kind"] == "task" for i in items):
        _warn(warnings, "no_tasks", "未找到任务部分（主要任务、重点任务等）", None)
    else:
        missing = [i for i in items if i["kind"] == "task" and not i["units"]]
        if missing and len(missing) < sum(1 for i in items if i["kind"] == "task"):
            for i in missing[:50]:
                _warn(warnings, "task_without_units", f"任务 {i['code']} 未写明责任单位", i["span"])
    if not meta.get("title"):
        _warn(warnings, "no_title", "未识别到文件标题", None)
    if not meta.get("issued_on"):
        _warn(warnings, "no_date", "未识别到成文日期", None)

    # Validated here, so a rule that builds a malformed field fails in the importer's own tests.
    return ParsedPlan.model_validate(
        {
            "document": document,
            "items": items,
            "indicators": indicators,
            "targets": targets,
            "key_list": key_list,
            "warnings": warnings,
            "text": text,
            "source_name": source_name,
        }
    )
