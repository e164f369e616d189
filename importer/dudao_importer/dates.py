"""Time phrases: completion dates of tasks, and the year a target falls due."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from .text import cn_to_int

__all__ = ["YearPhrase", "year_phrases", "deadlines", "masked", "parse_cn_date"]

_QUARTER_END = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}

_YEAR = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*年"
    r"(?P<tail>(?:底|年底|末|年末|初|年初|度)?"
    r"(?:(?P<half>上半年|下半年)|第?(?P<q>[一二三四1-4])季度|(?P<m>\d{1,2})\s*月(?:份)?(?P<mtail>底|末|中旬|上旬|下旬|初)?(?:(?P<d>\d{1,2})\s*日)?)?)"
)
_BEFORE_BAD = re.compile(r"(?:从|自|比|较|与|同|截至目前|[-—–~～]\s*)$")
_AFTER_BAD = re.compile(
    r"^(?:起|开始|以来|度|基础上|基数|相比|同期|为基|水平|数据|基期|版|的基础|前后相比)"
)
_RANGE_BEFORE = re.compile(r"(?:19|20)\d{2}\s*年?\s*[-—–~～至到]\s*$")
_SEP_AFTER_HALF = re.compile(r"^[，,、；;\s]*下半年")


@dataclass
class YearPhrase:
    year: int
    start: int
    end: int
    date: str  # ISO completion date the phrase stands for
    is_deadline: bool


def masked(text: str) -> list[bool]:
    """True for characters inside brackets, quotes or book-title marks (names and notes)."""
    mask = [False] * len(text)
    depth = 0
    quote = 0
    book = 0
    for i, ch in enumerate(text):
        if ch in "（(〔[【［":
            depth += 1
        elif ch in "“《":
            if ch == "“":
                quote += 1
            else:
                book += 1
        inside = depth > 0 or quote > 0 or book > 0
        mask[i] = inside
        if ch in "）)〕]】］":
            depth = max(0, depth - 1)
        elif ch == "”":
            quote = max(0, quote - 1)
        elif ch == "》":
            book = max(0, book - 1)
    return mask


def _month_end(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"


def year_phrases(
    text: str, mask: list[bool] | None = None, min_year: int | None = None
) -> list[YearPhrase]:
    mask = mask if mask is not None else masked(text)
    out: list[YearPhrase] = []
    for m in _YEAR.finditer(text):
        s, e = m.start(), m.end()
        if s > 0 and text[s - 1].isdigit():
            continue
        y = int(m.group("y"))
        before = text[max(0, s - 6) : s]
        after = text[e : e + 6]
        ok = not mask[s]
        if _BEFORE_BAD.search(before) or _RANGE_BEFORE.search(text[max(0, s - 8) : s]):
            ok = False
        tail = m.group("tail") or ""
        if (
            tail.startswith("度")
            or _AFTER_BAD.match(after)
            or (not tail and _AFTER_BAD.match(text[e : e + 6]))
        ):
            ok = False
        if min_year is not None and y < min_year:
            ok = False
        if m.group("half") == "上半年":
            date = f"{y:04d}-06-30"
        elif m.group("q"):
            q = cn_to_int(m.group("q")) or 4
            date = f"{y:04d}-{_QUARTER_END.get(q, '12-31')}"
        elif m.group("m"):
            mo = int(m.group("m"))
            if not 1 <= mo <= 12:
                continue
            if m.group("d"):
                d = int(m.group("d"))
                last = calendar.monthrange(y, mo)[1]
                date = f"{y:04d}-{mo:02d}-{min(max(d, 1), last):02d}"
            else:
                date = _month_end(y, mo)
        else:
            date = f"{y:04d}-12-31"
        out.append(YearPhrase(y, s, e, date, ok))
        # '2025年上半年…，下半年…': the second half is a date of its own.
        if m.group("half") == "上半年" and ok:
            rest = text[e : e + 40]
            hm = re.search(r"[，,、；;]\s*下半年", rest)
            if hm and "。" not in rest[: hm.start()]:
                out.append(YearPhrase(y, e + hm.start(), e + hm.end(), f"{y:04d}-12-31", True))
    return out


# A month or the year's end without a year (`6月底前`, `年底前`): in a one-year plan, that year.
_BARE_DATE = re.compile(
    r"(?<![\d年月])(?:(?P<m>\d{1,2})\s*月(?:份)?(?P<mt>底|末|中旬|上旬|下旬)?|(?P<ye>年[底末]))"
    r"(?P<before>前|以前|之前)?"
)
_BARE_BAD_BEFORE = re.compile(r"(?:每年?|次年|当年|上年|同年|往年|历年|从|自|每个?)\s*$")


def _bare_dates(text: str, year: int, mask: list[bool]) -> list[YearPhrase]:
    out: list[YearPhrase] = []
    for m in _BARE_DATE.finditer(text):
        s, e = m.start(), m.end()
        if mask[s] or _BARE_BAD_BEFORE.search(text[max(0, s - 3) : s]):
            continue
        if m.group("ye"):
            if not m.group("before"):
                continue
            out.append(YearPhrase(year, s, e, f"{year:04d}-12-31", True))
            continue
        mo = int(m.group("m"))
        if not 1 <= mo <= 12 or not (m.group("before") or m.group("mt") in ("底", "末")):
            continue
        if re.match(r"\s*\d{1,2}\s*日", text[e : e + 4]):
            continue  # a calendar date (5月10日), not a deadline
        out.append(YearPhrase(year, s, e, _month_end(year, mo), True))
    return out


def deadlines(
    text: str, min_year: int | None = None, default_year: int | None = None
) -> list[tuple[str, str, tuple[int, int]]]:
    """(ISO date, phrase, span) for every completion date in `text`, in text order.

    `default_year` is the year of a one-year plan: it dates `6月底前` and `年底前`.
    """
    phrases = [p for p in year_phrases(text, min_year=min_year) if p.is_deadline]
    if default_year is not None:
        taken = [(p.start, p.end) for p in year_phrases(text)]
        for b in _bare_dates(text, default_year, masked(text)):
            if not any(a <= b.start < z for a, z in taken):
                phrases.append(b)
        phrases.sort(key=lambda p: p.start)
    return [(p.date, text[p.start : p.end], (p.start, p.end)) for p in phrases]


_CN_DATE = re.compile(
    r"^([一二三四五六七八九〇零○Ｏ0-9]{4})年([一二三四五六七八九十0-9]{1,3})月([一二三四五六七八九十0-9]{1,3})日$"
)


def parse_cn_date(s: str) -> str | None:
    """'2023年6月8日', '二〇二一年十二月十六日', '2022-01-10' → ISO date."""
    s = re.sub(r"\s+", "", s)
    m = re.match(r"^((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _CN_DATE.match(s)
        if not m:
            return None
        ys = "".join(str(cn_to_int(c)) if not c.isdigit() else c for c in m.group(1))
        mo_v, d_v = cn_to_int(m.group(2)), cn_to_int(m.group(3))
        if not ys.isdigit() or mo_v is None or d_v is None:
            return None
        y, mo, d = int(ys), mo_v, d_v
    if not (1900 < y < 2100 and 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1]):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
