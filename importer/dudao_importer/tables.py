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


def find_tables(lines: list[str]) -> list[Table]:
    offs = _offsets(lines)
    tables: list[Table] = []
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        s = ln.strip()
        # A: pipe rows.
        if s.startswith("|") and s.count("|") >= 3:
            j, rows, spans = i, [], []
            while j < n and lines[j].strip().startswith("|"):
                t = lines[j].strip()
                if not _PIPE_SEP.match(t):
                    cells = [c.strip() for c in t.strip("|").split("|")]
                    rows.append(cells)
                    spans.append((offs[j], offs[j] + len(lines[j])))
                j += 1
            if len(rows) >= 2:
                tables.append(
                    Table(rows, i, j - 1, offs[i], offs[j - 1] + len(lines[j - 1]), spans)
                )
            i = j
            continue
        # B: one cell per line ending in '|'.
        if s.endswith("|") and not s.startswith("|"):
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
