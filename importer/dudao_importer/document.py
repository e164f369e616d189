"""Document metadata: title, 文号, 发文机关, 成文日期 and the plan period."""

from __future__ import annotations

import re
from typing import Any

from .dates import parse_cn_date

__all__ = ["extract_metadata", "plan_period", "DOC_NUMBER"]

DOC_NUMBER = re.compile(
    r"(?P<org>[\u4e00-\u9fff]{1,14}?)\s*[〔\[［【（(]\s*(?P<y>(?:19|20)\d{2})\s*[〕\]］】）)]\s*(?P<n>\d{1,4})\s*号"
)
_FIELD = re.compile(
    r"^\s*(?P<k>文\s*号|发文字号|发文机关|发布机构|成文日期|发文日期|标\s*题|名\s*称)\s*[:：]\s*(?P<v>.+?)\s*$"
)
_NOTICE = re.compile(r"关于")
_GENRE = re.compile(
    r"(?:规划|方案|计划|意见|任务|要点|清单|办法|措施|纲要|通知|决定|细则|安排|行动|工作|指引|指南|规范)"
    r"(?:[（(]试行[）)])?$"
)
_ISSUER_END = re.compile(
    r"(?:人民政府|政府|办公厅|办公室|委员会|管委会|管理委员会|委|局|厅|党委|党工委|小组|组|中心|院|部)$"
)
_DATE_LINE = re.compile(
    r"^\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[一二三四五六七八九〇零○]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日|(?:19|20)\d{2}-\d{1,2}-\d{1,2})\s*$"
)
# How a notice may be disclosed and how urgent it is, printed beside the 文号.
_DISCLOSURE = re.compile(r"^(?:不予?公开|依申请公开|主动公开|特\s*急|加\s*急|急\s*件)\s*")
_FIRST_ISSUER = re.compile(
    r"^[\u4e00-\u9fff]{2,30}?(?:办公厅|办公室|综合司|委员会|人民政府|[委局厅司部院])(?![办综员机])"
)
_ISSUED_BY = re.compile(
    r"^[（(]\s*(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*"
    r"(?P<by>[\u4e00-\u9fff、，,\s]{2,60}?)\s*(?:发布|印发|公布)\s*[）)]$"
)
_YEARS_LINE = re.compile(
    r"^[（(]\s*(?:19|20)\d{2}\s*年?\s*[-—–~～至到]\s*(?:19|20)\d{2}\s*年?\s*[）)]$"
)
# The first of the issuers that sign on the date line; 委 or 局 followed by 办公厅/综合司 runs on.
_SIGNED_LINE = re.compile(
    r"^(?P<first>[\u4e00-\u9fff]{2,30}?(?:办公厅|办公室|综合司|委员会|人民政府|[委局厅司部院])"
    r"(?![办综员机]))[\u4e00-\u9fff\s]{0,80}?"
    r"(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)$"
)
_TITLE_INNER = re.compile(r"《(?P<t>[^》]{4,120})》")


def _fmt_docnum(m: re.Match[str]) -> str:
    return f"{m.group('org')}〔{m.group('y')}〕{m.group('n')}号"


def extract_metadata(lines: list[str], body_line: int) -> tuple[dict[str, Any], int | None]:
    """Metadata from the head of the document; also the line where the plan title stands."""
    fields: dict[str, str] = {}
    head = lines[: max(body_line, 1)]
    for ln in lines[:80]:
        fm = _FIELD.match(ln)
        if fm:
            key = re.sub(r"\s+", "", fm.group("k"))
            fields.setdefault(key, fm.group("v").strip())
    doc_number = None
    v = fields.get("文号") or fields.get("发文字号")
    if v:
        m = DOC_NUMBER.search(v)
        doc_number = _fmt_docnum(m) if m else v
    if doc_number is None:
        for ln in head[:60]:
            # Printed under the title in brackets: （国卫办医政发〔2024〕21号）.
            s = re.sub(r"^[（(](.*)[）)]$", r"\1", _DISCLOSURE.sub("", ln.strip()))
            m = DOC_NUMBER.fullmatch(s) or (DOC_NUMBER.match(s) if len(s) <= 30 else None)
            if m and m.end() >= len(s) - 2:
                doc_number = _fmt_docnum(m)
                break

    # The notice title: a line with 关于, possibly broken over a few short lines.
    notice = None
    notice_line = None
    for i, ln in enumerate(head[:60]):
        s = ln.strip()
        if _FIELD.match(s):
            continue
        if (
            _NOTICE.search(s)
            and len(s) <= 120
            and not s.startswith(("为", "根据", "经", "按照"))
            and "。" not in s
        ):
            buf, j = s, i

            def done(b: str, at: int) -> bool:
                if re.search(r"印发|转发|发布|下发", b):
                    return bool(re.search(r"(?:通知|决定|公告)$", b))
                if not _GENRE.search(b):
                    return False
                # …关于进一步规范 / 登革热病例监测报告和应急处置工作的通知: a genre word can end a
                # line of a title that runs on to the line naming the notice.
                k = at + 1
                while k < len(lines) and not lines[k].strip():
                    k += 1
                nxt = lines[k].strip() if k < len(lines) else ""
                return not (
                    nxt
                    and len(nxt) <= 40
                    and "。" not in nxt
                    and re.search(r"的(?:通知|意见|决定|函|报告|通报|公告)$", nxt)
                )

            while not done(buf, j) and j + 1 < len(lines) and j - i < 5:
                j += 1
                nxt = lines[j].strip()
                if not nxt:
                    continue
                if len(nxt) > 60 or "。" in nxt:
                    break
                buf += nxt
            if done(buf, j):
                notice, notice_line = buf, j
                head_part = notice.partition("关于")[0]
                if notice.startswith("关于") or len(head_part) <= 6:
                    # The issuer printed on the line above the notice title (PDF letterheads).
                    k = i - 1
                    while k >= 0 and not lines[k].strip():
                        k -= 1
                    above = re.sub(r"\s+", "", lines[k]) if k >= 0 else ""
                    if (
                        4 <= len(above) <= 40
                        and (_ISSUER_END.search(above + head_part) or _ISSUER_END.search(above))
                        and not _FIELD.match(above)
                        and (not head_part or not above.endswith(head_part))
                        and not re.search(r"[:：，,。；;|]", above)
                    ):
                        notice = above + notice
                break
    # X印发《Y》 with no 关于 (a party-and-state document reposted): the plan is Y, its title
    # sometimes broken inside the book-title marks.
    printed: tuple[str, str] | None = None
    if notice is None:
        for i, ln in enumerate(head[:40]):
            s = re.sub(r"\s+", "", ln)
            m = re.search(r"印发《", s)
            if not m or "。" in s:
                continue
            buf, j = s, i
            while "》" not in buf[m.end() :] and j + 1 < len(lines) and j - i < 4:
                j += 1
                buf += re.sub(r"\s+", "", lines[j])
            inner = _TITLE_INNER.search(buf)
            if inner:
                printed = (inner.group("t"), buf[: m.start()])
                notice_line = j
            break
    if notice is None and ("标题" in fields or "名称" in fields):
        notice = fields.get("标题") or fields.get("名称")

    title = None
    issuer = None
    if notice:
        pre, _, post = notice.partition("关于")
        issuer = pre.strip() or None
        if issuer:
            # Joint issuers of one place printed as one run (佛山市顺德区卫生健康局佛山市顺德区
            # 教育局): the first is the issuer.
            first = _FIRST_ISSUER.match(issuer)
            rest = issuer[first.end() :] if first else ""
            if first and rest[:2] == issuer[:2] and len(rest) >= 4 and _ISSUER_END.search(rest):
                issuer = first.group(0)
        inner = _TITLE_INNER.search(post)
        # 关于印发《X》的通知, and 关于《X》的通知 where the verb is left out: the plan is X.
        if re.match(r"^(?:印发|转发|发布|下发|公布)", post) or re.fullmatch(
            r"《[^》]+》的(?:通知|决定)", post
        ):
            if inner:
                title = inner.group("t")
            else:
                title = re.sub(r"^(?:印发|转发|发布|下发|公布)", "", post)
                title = re.sub(r"的(?:通知|决定)$", "", title)
        else:
            title = notice
    if title is None and printed is not None:
        title = printed[0]
        issuer = printed[1] or None
    if issuer is None:
        issuer = fields.get("发文机关") or fields.get("发布机构")
    # Without a notice: the first short heading line that names a plan genre.
    title_line = None
    if title is None:
        for i, ln in enumerate(head[:40]):
            s = ln.strip()
            if (
                6 <= len(s) <= 60
                and "。" not in s
                and _GENRE.search(s)
                and not s.startswith(("各", "为"))
            ):
                title, title_line = s, i
                # A title set over two lines: the line above is its first half.
                above = head[i - 1].strip() if i > 0 else ""
                if (
                    4 <= len(above) <= 40
                    and not re.search(r"[。，,；;：:！？]", above)
                    and not _FIELD.match(above)
                    and not DOC_NUMBER.search(above)
                    and not _DATE_LINE.match(above)
                    and not _GENRE.search(above)
                ):
                    title = above + s
                break
    if title is not None:
        title = re.sub(r"\s+", "", title)
        # Prefer the heading line printed above the plan body when it spells the same title.
        key = re.sub(r"[()（）〔〕—\-–]", "", title)
        start = (notice_line + 1) if notice_line is not None else 0
        for i in range(start, min(len(lines), start + 80)):
            s = re.sub(r"\s+", "", lines[i])
            cand = s
            if i + 1 < len(lines) and len(s) < 40:
                cand2 = s + re.sub(r"\s+", "", lines[i + 1])
                if re.sub(r"[()（）〔〕—\-–]", "", cand2) == key:
                    title_line = i + 1
                    break
            if re.sub(r"[()（）〔〕—\-–]", "", cand) == key:
                title_line = i
                break

    if title is not None and title_line is not None and title_line + 1 < len(lines):
        # 健康中国行动 / （2019—2030年）: the years printed under the title belong to it.
        years = lines[title_line + 1].strip()
        if _YEARS_LINE.match(years) and not _RANGE.search(title):
            title += years

    issued = None
    v = fields.get("成文日期") or fields.get("发文日期")
    if v:
        issued = parse_cn_date(v)
    # (2016年10月25日 中共中央、国务院发布) under the title: the date and the first issuer.
    for ln in lines[: min(len(lines), 60)]:
        bm = _ISSUED_BY.match(ln.strip())
        if bm and parse_cn_date(bm.group("date")):
            issued = issued or parse_cn_date(bm.group("date"))
            if issuer is None or printed is not None:
                issuer = re.split(r"[、，,]", bm.group("by"))[0]
            break
    if issued is None:
        for ln in lines[: max(body_line, 1) + 400]:
            m = _DATE_LINE.match(ln)
            if m:
                issued = parse_cn_date(m.group(1))
                if issued:
                    break
    if issued is None or issuer is None:
        # Issuers and date on one line: 国家卫生健康委办公厅 国家中医药局综合司 2024年10月28日.
        for ln in lines[: max(body_line, 1) + 400]:
            m = _SIGNED_LINE.match(ln.strip())
            if m and parse_cn_date(m.group("date")):
                issued = issued or parse_cn_date(m.group("date"))
                issuer = issuer or m.group("first")
                break
    if issuer is None:
        for i, ln in enumerate(lines[:400]):
            if _DATE_LINE.match(ln):
                k = i - 1
                while k >= 0 and not lines[k].strip():
                    k -= 1
                if k >= 0 and _ISSUER_END.search(lines[k].strip()) and len(lines[k].strip()) <= 30:
                    issuer = lines[k].strip()
                break
    meta = {"title": title, "doc_number": doc_number, "issuer": issuer, "issued_on": issued}
    return meta, title_line


_RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*[-—–~～至到]\s*((?:19|20)\d{2})\s*年?")
_FIVE = {
    "十一五": (2006, 2010),
    "十二五": (2011, 2015),
    "十三五": (2016, 2020),
    "十四五": (2021, 2025),
    "十五五": (2026, 2030),
    "十六五": (2031, 2035),
}


def plan_period(
    title: str | None, issued_on: str | None, goal_years: list[int], deadline_years: list[int]
) -> dict[str, int | None]:
    t = title or ""
    m = _RANGE.search(t)
    if m:
        return {"start": int(m.group(1)), "end": int(m.group(2))}
    for k, (a, b) in _FIVE.items():
        if k in t:
            return {"start": a, "end": b}
    ym = re.search(r"((?:19|20)\d{2})\s*年(?:度)?", t)
    if ym:
        y = int(ym.group(1))
        return {"start": y, "end": y}
    start = int(issued_on[:4]) if issued_on else None
    named = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", t)
    if named and start is not None and int(named.group(1)) > start:
        # “健康中国2030”规划纲要: the plan is named for the year it runs to.
        return {"start": start, "end": int(named.group(1))}
    end = None
    if goal_years:
        # The goals may step (到2023年…；到2025年…): the plan runs to the last step within a
        # plan's horizon, not to a long-range vision year (到2035年，全面建成…).
        first = start if start is not None and start <= goal_years[0] else goal_years[0]
        end = max((y for y in goal_years if y <= first + 5), default=goal_years[0])
    elif deadline_years:
        near = [y for y in deadline_years if start is None or y <= start + 10]
        end = max(near) if near else None
    if start is not None and end is not None and end < start:
        end = start
    if end is None:
        # The year of issue alone does not make a period: nothing says when the plan ends.
        start = None
    return {"start": start, "end": end}
