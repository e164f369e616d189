"""Responsible units: find the closing bracket group of a task and read the names in it."""

from __future__ import annotations

import re

from .text import strip_brackets

__all__ = [
    "find_unit_group",
    "find_unit_label",
    "parse_units",
    "looks_like_org",
    "split_names",
    "clean_name",
]

_OPEN = "（(〔[【［"
_CLOSE = "）)〕]】］"

_PREFIX = re.compile(
    r"^(?:(?:主要)?(?:责任|牵头|负责|主责|主办|实施|完成|承办)(?:单位|部门)|责任主体)\s*[:：]?\s*"
)
_LEAD_PREFIX = re.compile(r"^(?:(?:主要)?(?:牵头|主责|主办)(?:单位|部门)|牵头)\s*[:：]\s*")
_CO_PREFIX = re.compile(r"^(?:(?:配合|参与|协办|协同|协助|协作)(?:单位|部门)|配合)\s*[:：]\s*")
_LEAD_SUFFIX = re.compile(r"(?:共同)?牵头(?:负责|抓总|实施|落实)?$")
_CO_SUFFIX = re.compile(r"(?:等)?(?:配合|参与|协同|协助|配合落实|配合实施)$")
_DUTY_SUFFIX = re.compile(
    r"(?:等)?(?:(?:按|依)(?:照)?(?:各自)?职责(?:分工)?(?:负责|落实|实施)?|分工负责|负责落实|负责|落实|实施)$"
)
_NOT_UNITS = re.compile(
    r"^(?:见|详见|参见|附件|附表|专栏|含|包括|注|下同|以下|其中|如|即|\d{4}|第|表\d)"
)
_NOTE = re.compile(r"^(?:含|包括|以下|下同|不含|注)")

_ORG_SUFFIX = re.compile(
    r"(?:委员会|委|局|厅|办|办公室|部|院|政府|府|会|中心|处|室|组|所|站|队|团|社|行|司|馆|公司|集团|"
    r"分局|街道|单位|部门|机构|学校|大学|学院|医院|卫生院|管委会|党委|党工委|工委|检察院|法院|总院|"
    r"联合会|协会|学会|基金会|红十字会|指挥部|领导小组|秘书处|办事处|分院|事务所|政法委|网信办|编办|妇联|"
    r"团委|团市委|团省委|工会|科协|侨联|残联|文联|保险公司|银行|监管局|供电公司|企业|医疗机构|单位等)$"
)


def _strip_notes(name: str) -> str:
    """Drop parenthetical notes such as 〔含街道、开发区，下同〕 but keep （镇） in 各乡（镇）政府."""
    out, i = [], 0
    while i < len(name):
        ch = name[i]
        if ch in _OPEN:
            depth, j = 0, i
            while j < len(name):
                if name[j] in _OPEN:
                    depth += 1
                elif name[j] in _CLOSE:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner = name[i + 1 : j]
            if not _NOTE.match(inner) and "下同" not in inner:
                out.append("（" + inner + "）")
            i = j + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def clean_name(name: str) -> str:
    name = name.strip(" \t：:，,、。；;")
    name = _strip_notes(name)
    name = strip_brackets(name)
    name = re.sub(r"\s+", "", name)
    for pat in (_DUTY_SUFFIX, _LEAD_SUFFIX, _CO_SUFFIX):
        name = pat.sub("", name)
    name = re.sub(r"等(?:有关|相关|其他)?(?:部门|单位|成员单位)?$", "", name)
    return name.strip(" ：:，,、。；;")


def looks_like_org(name: str) -> bool:
    base = re.sub(r"（[^（）]*）$", "", name)
    return bool(_ORG_SUFFIX.search(base) or _ORG_SUFFIX.search(name.rstrip("）")))


def _split_top(s: str, seps: str) -> list[str]:
    """Split on separators outside brackets."""
    parts: list[str] = []
    buf: list[str] = []
    depth = 0
    for ch in s:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if ch in seps and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return [p for p in (x.strip() for x in parts) if p]


_COLLECTIVE_HEAD = re.compile(r"^各(?:设区)?[省市县区乡镇州盟旗]{1,2}$")


def split_names(s: str) -> list[str]:
    """Names in a 、-list, keeping collective names such as 各市、县（区）政府 whole."""
    parts = _split_top(s, "、")
    out: list[str] = []
    i = 0
    while i < len(parts):
        p = parts[i]
        # '各市' has no organisation word of its own: it shares the next name's (政府).
        while _COLLECTIVE_HEAD.match(p) and i + 1 < len(parts):
            i += 1
            p = p + "、" + parts[i]
        out.append(p)
        i += 1
    return out


def find_unit_group(text: str) -> tuple[int, int] | None:
    """Span (start, end) of the bracket group that closes `text`, brackets included."""
    end = len(text)
    while end > 0 and text[end - 1] in " \t\n。；;.，,":
        end -= 1
    if end == 0 or text[end - 1] not in _CLOSE:
        return None
    depth, i = 0, end - 1
    while i >= 0:
        ch = text[i]
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            depth -= 1
            if depth == 0:
                return (i, end)
        i -= 1
    return None


_LABELLED = re.compile(
    r"(?:^|(?<=[。；;！？!?\s]))[\t ]*(?:(?:责任|牵头|主责|主办)(?:单位|部门)|责任主体)\s*[:：]"
)


def find_unit_label(text: str) -> tuple[int, int] | None:
    """Span of an unbracketed closing unit list (`牵头单位：县卫健局；配合单位：县财政局`).

    Annual task lists often print the units as a line of their own, or as the last sentence of
    the task, labelled instead of bracketed. Only a labelled list that runs to the end counts.
    """
    m = None
    for m in _LABELLED.finditer(text):  # noqa: B007 - the last match is the one wanted
        pass
    if m is None:
        return None
    start = m.start()
    while start < len(text) and text[start] in " \t":
        start += 1
    end = len(text)
    while end > start and text[end - 1] in " \t\n。；;":
        end -= 1
    seg = text[start:end]
    if not seg or "。" in seg or len(seg) > 300:
        return None
    return (start, end)


def parse_units(content: str) -> list[dict[str, str]] | None:
    """Read unit names and roles from the inside of a closing bracket; None if these are not units."""
    c = content.strip()
    if not c or _NOT_UNITS.match(c) or len(c) > 400:
        return None
    # A sentence end inside the bracket: what follows is a note (以下责任单位均包括…，不再列出).
    c = c.split("。", 1)[0]
    keyword = bool(
        _PREFIX.match(c)
        or _LEAD_PREFIX.match(c)
        or re.search(r"牵头|配合|职责分工|分工负责|责任单位|负责", c)
    )
    if not _LEAD_PREFIX.match(c):
        c = _PREFIX.sub("", c)
    names: list[tuple[str, str | None]] = []
    for clause in _split_top(c, "，,；;"):
        role: str | None = None
        if _LEAD_PREFIX.match(clause):
            role, clause = "lead", _LEAD_PREFIX.sub("", clause)
        elif _CO_PREFIX.match(clause):
            role, clause = "co", _CO_PREFIX.sub("", clause)
        clause = _PREFIX.sub("", clause)
        body = re.sub(r"等$", "", clause.strip())
        if _LEAD_SUFFIX.search(body):
            role, body = "lead", _LEAD_SUFFIX.sub("", body)
        elif _CO_SUFFIX.search(body):
            role, body = "co", _CO_SUFFIX.sub("", body)
        body = _DUTY_SUFFIX.sub("", body)
        for nm in split_names(body):
            nm = clean_name(nm)
            # 省卫生健康委及各设区市人民政府: two units joined by 及.
            parts = [clean_name(x) for x in nm.split("及")]
            if len(parts) > 1 and all(looks_like_org(x) for x in parts):
                names.extend((x, role) for x in parts)
            elif nm:
                names.append((nm, role))
    if not names:
        return None
    orgish = sum(1 for nm, _ in names if looks_like_org(nm))
    if (
        not keyword
        and orgish < max(1, (len(names) + 1) // 2 + (len(names) == 1))
        and orgish < len(names)
    ):
        return None
    if not keyword and orgish == 0:
        return None
    if any(len(nm) > 40 for nm, _ in names):
        return None
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    explicit_lead = any(r == "lead" for _, r in names)
    for _idx, (nm, r) in enumerate(names):
        if nm in seen:
            continue
        seen.add(nm)
        if explicit_lead:
            role = "lead" if r == "lead" else "co"
        else:
            role = "lead" if not out else "co"
        out.append({"name": nm, "role": role})
    return out
