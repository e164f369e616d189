"""Attached 重点工作清单 / 任务分工表 tables."""

from __future__ import annotations

import re
from typing import Any

from .tables import Table
from .units import clean_name, split_names

__all__ = ["is_key_list", "parse_key_list"]

_SEQ = re.compile(r"^(?:序号|编号|序|No\.?)$", re.I)
_TITLE = re.compile(r"任务|项目|工作|事项|内容|措施|举措|名称")
_LEAD = re.compile(r"牵头")
_CO = re.compile(r"配合|协同|参与|协办")
_UNITS = re.compile(r"责任|单位|部门")
_DUE = re.compile(r"时间|时限|期限|进度|节点")
_TARGET = re.compile(r"目标|成效|标准|要求")
_DUTY = re.compile(r"职责|职能")
_ROW_NO = re.compile(r"^\s*(?P<no>\d{1,3})\s*[.．、)）]?\s*(?=\S)")


def _kind(h: str) -> str | None:
    h = re.sub(r"\s+", "", h)
    if _SEQ.match(h):
        return "seq"
    if _LEAD.search(h):
        return "lead"
    if _CO.search(h):
        return "co"
    if _DUE.search(h):
        return "due"
    if _UNITS.search(h) and not _TITLE.search(h.replace("单位", "")):
        return "units"
    if _TARGET.search(h) and not re.search(r"任务|项目|事项", h):
        return "target"
    if _TITLE.search(h):
        return "title"
    return None


def _columns(head: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(head):
        k = _kind(h)
        if k and k not in cols:
            cols[k] = i
    return cols


def is_key_list(t: Table) -> bool:
    if len(t.rows) < 2:
        return False
    head = [re.sub(r"\s+", "", c) for c in t.rows[0]]
    if any(re.search(r"指标", h) for h in head) and not any(
        re.search(r"任务|事项", h) for h in head
    ):
        return False
    cols = _columns(head)
    if "title" not in cols:
        return False
    # A table keyed by department (部门 | 职责) assigns duties, not tasks.
    if any(_DUTY.search(h) for h in head) and not any(
        re.search(r"任务|项目|事项", h) for h in head
    ):
        return False
    return bool({"seq", "lead", "co", "units", "due", "target"} & set(cols))


def _due(s: str) -> str | None:
    s = re.sub(r"\s+", "", s)
    m = re.search(r"((?:19|20)\d{2})年?(?:(\d{1,2})月)?", s)
    if not m:
        return s or None
    return f"{m.group(1)}-{int(m.group(2)):02d}" if m.group(2) else m.group(1)


def _names(cell: str) -> list[str]:
    out = []
    for part in re.split(r"[，,；;\n]", cell):
        for nm in split_names(part):
            nm = clean_name(nm)
            if nm and nm not in out:
                out.append(nm)
    return out


def parse_key_list(t: Table) -> list[dict[str, Any]]:
    head = [re.sub(r"\s+", "", c) for c in t.rows[0]]
    cols = _columns(head)
    rows: list[dict[str, Any]] = []
    for ri, row in enumerate(t.rows[1:], start=1):

        def cell(k: str, row: list[str] = row) -> str:
            i = cols.get(k)
            return row[i].strip() if i is not None and i < len(row) else ""

        title = cell("title")
        no = cell("seq")
        m = _ROW_NO.match(title)
        if m and not re.match(r"^(?:19|20)\d{2}", title):
            no = no or m.group("no")
            title = title[m.end() :]
        title = re.sub(r"\s+", " ", title).strip().rstrip("。")
        if not title:
            continue
        if not no:
            no = str(len(rows) + 1)
        rec: dict[str, Any] = {"no": re.sub(r"\s+", "", no), "title": title}
        if "target" in cols:
            rec["target_text"] = cell("target")
        lead, co = _names(cell("lead")), _names(cell("co"))
        if "units" in cols:
            allu = _names(cell("units"))
            if not lead:
                lead, co = allu[:1], allu[1:] + co
            else:
                co = [u for u in allu if u not in lead] + co
        if "units" in cols or "lead" in cols or "co" in cols:
            rec["units"] = lead + [u for u in co if u not in lead]
            rec["unit_roles"] = [{"name": u, "role": "lead"} for u in lead] + [
                {"name": u, "role": "co"} for u in co if u not in lead
            ]
            if "lead" in cols or "co" in cols:
                rec["explicit_roles"] = True
        if "due" in cols:
            rec["due"] = _due(cell("due"))
        rec["span"] = list(t.row_spans[ri]) if ri < len(t.row_spans) else [t.start, t.end]
        rows.append(rec)
    return rows
