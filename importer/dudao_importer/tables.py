"""Find tables in normalised text, whatever shape the export left them in.

Shapes seen in plan documents converted to text:
  A. Markdown / docx-rendered rows: ``| a | b | c |`` (one row per line).
  B. One cell per line, each ending in ``|`` (some web exports).
  C. Tab-separated rows: ``a<TAB>b<TAB>c``.
  D. One cell per line, each starting with a tab; a cell may run on over untabbed lines.
Shapes B and D lose row boundaries; the column count is recovered from the header
(the ``序号`` column against the first data row's ``1``) or from a regular column such as
``预期性/约束性``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Table", "find_tables"]


@dataclass
class Table:
    rows: list[list[str]]
    first_line: int
    last_line: int  # inclusive
    start: int
    end: int
    row_spans: list[tuple[int, int]] = field(default_factory=list)


_PIPE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SEQ_HEAD = re.compile(r"^(序号|编号|序|No\.?)$", re.I)
_NATURE = re.compile(r"^(预期性|约束性|倡导性|指导性)$")


def _offsets(lines: list[str]) -> list[int]:
    offs, pos = [], 0
    for ln in lines:
        offs.append(pos)
        pos += len(ln) + 1
    return offs


def _chunk(
    cells: list[str], spans: list[tuple[int, int]]
) -> tuple[list[list[str]], list[tuple[int, int]]] | None:
    """Cut a flat cell list into rows."""
    n = 0
    head = [i for i, c in enumerate(cells[:12]) if _SEQ_HEAD.match(c.strip())]
    if head:
        k = head[0]
        for j in range(k + 1, min(len(cells), k + 16)):
            if cells[j].strip() == "1":
                n = j - k
                break
    if not n:
        nat = [i for i, c in enumerate(cells) if _NATURE.match(c.strip())]
        if len(nat) >= 3:
            gaps = [b - a for a, b in zip(nat, nat[1:], strict=False)]
            common = max(set(gaps), key=gaps.count)
            if gaps.count(common) >= len(gaps) * 0.6:
                n = common
    if n < 2 or len(cells) < 2 * n:
        return None
    rows, rspans = [], []
    for i in range(0, len(cells), n):
        chunk = cells[i : i + n]
        chunk += [""] * (n - len(chunk))
        rows.append(chunk)
        sp = spans[i : i + n]
        rspans.append((sp[0][0], sp[-1][1]))
    return rows, rspans


_RECORD = re.compile(r"领域\s*[:：].{0,40}?指标\s*[:：]")
_RECORD_YEAR = re.compile(r"((?:19|20)\d{2})\s*年\s*[:：]")


def _cells(row: str) -> list[str]:
    """Cells of a bar-joined row; outer bars are dropped only when the row has both."""
    if row.startswith("|") and row.endswith("|") and len(row) > 1:
        row = row[1:-1]
    return [c.strip() for c in row.split("|")]


def _records(lines: list[str], offs: list[int], i: int) -> Table | None:
    """Rows of records that each name a domain, an indicator and values by year."""
    j = i
    while j + 1 < len(lines):
        nxt = lines[j + 1].strip()
        if not nxt or _RECORD.search(nxt) or (_RECORD_YEAR.search(nxt) and "。" not in nxt):
            j += 1
        elif (
            len(nxt) <= 30
            and "。" not in nxt
            and _RECORD_YEAR.search(lines[j + 2] if j + 2 < len(lines) else "")
        ):
            j += 1  # a name broken over lines
        else:
            break
    blob = "".join(lines[k].strip() for k in range(i, j + 1))
    records = [r for r in re.split(r"(?=领域\s*[:：])", blob) if _RECORD.match(r)]
    if len(records) < 3:
        return None
    years: list[str] = []
    rows: list[tuple[str, str, dict[str, str]]] = []
    for rec in records:
        m = re.match(
            r"领域\s*[:：](?P<d>.*?)指标\s*[:：](?P<n>.*?)(?=(?:19|20)\d{2}\s*年\s*[:：])", rec
        )
        if not m:
            continue
        values: dict[str, str] = {}
        for ym in _RECORD_YEAR.finditer(rec):
            rest = rec[ym.end() :]
            later = _RECORD_YEAR.search(rest)
            values[ym.group(1)] = (rest[: later.start()] if later else rest).strip()
            if ym.group(1) not in years:
                years.append(ym.group(1))
        rows.append((m.group("d").strip(), m.group("n").strip(), values))
    if len(rows) < 3 or len(years) < 2:
        return None
    years.sort()
    head = ["领域", "指标"] + [f"{y}年" for y in years]
    table_rows = [head] + [[d, n] + [v.get(y, "") for y in years] for d, n, v in rows]
    span = (offs[i], offs[j] + len(lines[j]))
    return Table(table_rows, i, j, span[0], span[1], [span] * len(table_rows))


def find_tables(lines: list[str]) -> list[Table]:
    offs = _offsets(lines)
    tables: list[Table] = []
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        s = ln.strip()
        # A: rows of cells joined by bars, with or without outer bars (Markdown, text exports of
        # web pages and Word). A bar-less row may start with a bar: its first cell is empty.
        if "|" in s and (s.count("|") >= 2 or not s.endswith("|")):
            j, rows, spans = i, [], []
            while (
                j < n
                and "|" in lines[j]
                and not (lines[j].strip().endswith("|") and lines[j].strip().count("|") == 1)
            ):
                t = lines[j].strip()
                if not _PIPE_SEP.match(t):
                    rows.append(_cells(t))
                    spans.append((offs[j], offs[j] + len(lines[j])))
                j += 1
            if len(rows) >= 2:
                width = max(len(r) for r in rows)
                rows = [r + [""] * (width - len(r)) for r in rows]
                tables.append(
                    Table(rows, i, j - 1, offs[i], offs[j - 1] + len(lines[j - 1]), spans)
                )
                i = j
                continue
        # B: one cell per line ending in '|'.
        if s.endswith("|") and s.count("|") == 1:
            j, cells, spans = i, [], []
            while j < n:
                t = lines[j].strip()
                if t.endswith("|") and not t.startswith("|"):
                    cells.append(t[:-1].strip())
                    spans.append((offs[j], offs[j] + len(lines[j])))
                elif (
                    t
                    and cells
                    and j + 1 < n
                    and lines[j + 1].strip().endswith("|")
                    and not t.endswith("|")
                ):
                    # A cell broken over lines: the part without the bar runs on.
                    cells.append(t)
                    spans.append((offs[j], offs[j] + len(lines[j])))
                    j += 1
                    t2 = lines[j].strip()
                    cells[-1] = cells[-1] + t2[:-1].strip()
                    spans[-1] = (spans[-1][0], offs[j] + len(lines[j]))
                elif t:
                    break
                j += 1
            got = _chunk(cells, spans) if len(cells) >= 4 else None
            if got:
                rows, rspans = got
                tables.append(
                    Table(rows, i, j - 1, offs[i], offs[j - 1] + len(lines[j - 1]), rspans)
                )
            i = max(j, i + 1)
            continue
        # D: tab-led cells.
        if ln.startswith("\t"):
            j, cells, spans = i, [], []
            while j < n:
                t = lines[j]
                if t.startswith("\t"):
                    inner = [c.strip() for c in t.split("\t")[1:]]
                    if len(inner) > 1 and any(inner[1:]):
                        break  # a C-shaped row, not a lone cell
                    cells.append(inner[0] if inner else "")
                    spans.append((offs[j], offs[j] + len(t)))
                elif not t.strip():
                    pass
                else:
                    # Untabbed text continues the last cell only if more cells follow.
                    k = j + 1
                    while k < n and not lines[k].strip() and not lines[k].startswith("\t"):
                        k += 1
                    if cells and k < n and lines[k].startswith("\t") and len(t) <= 24:
                        cells[-1] = cells[-1] + t.strip()
                        spans[-1] = (spans[-1][0], offs[j] + len(t))
                    else:
                        break
                j += 1
            last = j - 1
            while last > i and not lines[last].strip():
                last -= 1
            short = sum(1 for c in cells if len(c) <= 30)
            got = _chunk(cells, spans) if len(cells) >= 6 and short >= len(cells) * 0.7 else None
            if got:
                rows, rspans = got
                tables.append(Table(rows, i, last, offs[i], offs[last] + len(lines[last]), rspans))
                i = j
            else:
                i += 1
            continue
        # F: indicator records written out: 领域：… 指标：…(单位) 2015年：… 2020年：… 2030年：…
        if _RECORD.search(s):
            got_records = _records(lines, offs, i)
            if got_records is not None:
                tables.append(got_records)
                i = got_records.last_line + 1
                continue
        # C: tab-separated rows (need at least a header and one row).
        if "\t" in s:
            j, rows, spans = i, [], []
            while j < n and "\t" in lines[j].strip():
                rows.append([c.strip() for c in lines[j].strip().split("\t")])
                spans.append((offs[j], offs[j] + len(lines[j])))
                j += 1
                # Blank lines between rows are common in exports.
                k = j
                while k < n and not lines[k].strip():
                    k += 1
                if k < n and k > j and "\t" in lines[k].strip() and not lines[k].startswith("\t"):
                    j = k
            if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
                width = max(len(r) for r in rows)
                rows = [r + [""] * (width - len(r)) for r in rows]
                tables.append(
                    Table(rows, i, j - 1, offs[i], offs[j - 1] + len(lines[j - 1]), spans)
                )
                i = j
                continue
        i += 1
    return tables
