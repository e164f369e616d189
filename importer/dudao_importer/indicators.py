"""Rows of a 主要指标 table."""

from __future__ import annotations

import re
from typing import Any

from .tables import Table
from .targets import num_value

__all__ = [
    "is_indicator_table",
    "parse_indicator_table",
    "parse_target_cell",
    "infer_unit",
    "lower_is_better",
]

_NAME_HEAD = re.compile(r"指标(?:名称)?$|^主要指标|^指标|^名称$|^项目$")
_DOMAIN_HEAD = re.compile(r"领域|类别|分类|维度|类型|方面")
_SEQ_HEAD = re.compile(r"^(?:序号|编号|序)$")
_UNIT_HEAD = re.compile(r"^(?:单位|计量单位|指标单位)$")
_NATURE_HEAD = re.compile(r"性质|属性|类型$")
_BASE_HEAD = re.compile(r"基期|基数|基线|现状|现值|基准|完成|实际")
_TARGET_HEAD = re.compile(r"目标|预期|规划值|期末")
_YEAR = re.compile(r"((?:19|20)\d{2})")
_NATURE = re.compile(r"预期性|约束性|倡导性")
_EMPTY = re.compile(r"^[—\-–－/／…]*$|^(?:无|暂无|不适用)$")

_LOWER = re.compile(
    r"死亡率|病死率|发病率|患病率|吸烟率|近视率|肥胖|超重|感染率|过早死亡|个人卫生支出|个人支出|自付|"
    r"住院日|耐药|不合格|差错|事故|流行率|发生率|下降|降低|减少|负担|低出生体重|贫血|龋"
)

_NAME_UNIT = re.compile(
    r"[（(](?P<u>%|‰|‱|岁|人|张|个|元|万元|亿元|万亿元|天|/10万|1/10万|次|所|家|万人|亿人|万人次|名|床|"
    r"小时|分钟|公里|种|"
    r"[A-Za-z][A-Za-z/²³0-9]{0,7})[）)]$"
)


def lower_is_better(name: str) -> bool:
    return bool(_LOWER.search(name))


def infer_unit(name: str, cells: list[str], fallback_cells: list[str] | None = None) -> str | None:
    m = _NAME_UNIT.search(name)
    if m:
        u = m.group("u")
        return "/10万" if u == "1/10万" else u
    for c in cells:
        c = c.replace(" ", "")
        um = re.search(r"\d(?:[\d.]*)\s*(/10万|/万|‰|‱|%|岁|张|人|个|所|家|天|元)", c)
        if um:
            return um.group(1)
    n = name
    rules: list[tuple[str, str]] = [
        (r"寿命", "岁"),
        (r"住院日", "天"),
        (r"托位", "个"),
        (r"床位", "张"),
        (r"(?:医师|医生|护士|药师|人员|人才|技师|工作者|专家)(?:（[^）]*）)?数?$", "人"),
        (r"率|比例|比重|占比|覆盖面|水平$|增速|增长|知晓|素养|达标", "%"),
        (r"费用|支出|经费|投入", "元"),
        (r"(?:社区|机构|中心|医院|单位|基地|科室|学校|企业|家庭|村|乡镇)$", "个"),
    ]
    for rx, u in rules:
        if re.search(rx, n):
            return u
    for c in fallback_cells or []:
        um = re.search(r"\d(?:[\d.]*)\s*(/10万|‰|%|岁|张|人|个|所|家|天|元)", c.replace(" ", ""))
        if um:
            return um.group(1)
    return None


def parse_target_cell(text: str, name: str, year: int | None) -> dict[str, Any]:
    t = re.sub(r"\s+", "", text or "")
    out: dict[str, Any] = {
        "year": year,
        "kind": "qualitative",
        "comparator": None,
        "value": None,
        "implied": False,
        "text": text.strip() if text else "",
    }
    nums = re.findall(r"\d+(?:\.\d+)?", re.sub(r"(?:19|20)\d{2}年", "", t))
    if not nums:
        return out
    v = num_value(nums[0])
    down = bool(re.search(r"降低|下降|减少|降", t))
    up = bool(re.search(r"增长|提高|增加|提升|上升", t))
    unit = "百分点" if "百分点" in t else ("%" if "%" in t else ("‰" if "‰" in t else None))
    if re.search(r"每年|年均|逐年", t) and (down or up):
        val = -v if down else v
        out.update(kind="annual_change", comparator="<=" if down else ">=", value=val, unit=unit)
        return out
    if re.search(r"基础上|比(?:19|20)\d{2}|较(?:19|20)\d{2}|基期", t) and (down or up):
        val = -v if down else v
        out.update(
            kind="relative",
            comparator="<=" if down else ">=",
            value=val,
            unit=unit,
            implied=not re.search(r"以上|以下|不低于|不超过", t),
        )
        return out
    rng = re.search(r"(\d+(?:\.\d+)?)\s*[%‰]?\s*[-—–~～至]\s*(\d+(?:\.\d+)?)", t)
    if rng:
        out.update(
            kind="absolute",
            comparator="between",
            value=num_value(rng.group(1)),
            value_max=num_value(rng.group(2)),
        )
        return out
    cmp: str | None = None
    if re.search(r"[≥]|>=|以上|不低于|不少于|至少|超过", t):
        cmp = ">="
    elif re.search(r"[≤]|<=|以下|以内|不超过|不高于|低于", t):
        cmp = "<="
    elif re.search(r"左右|约|上下", t):
        cmp = "~"
    elif re.search(r"^[>＞]", t):
        cmp = ">"
    elif re.search(r"^[<＜]", t):
        cmp = "<"
    implied = cmp is None
    if implied:
        cmp = "<=" if lower_is_better(name) else ">="
    out.update(kind="absolute", comparator=cmp, value=v, implied=implied)
    return out


_OWN_YEAR = re.compile(r"^((?:19|20)\d{2})年(?:底|末)?(?:为|是|:|：)?(?=\d)")
_YEAR_SPAN = re.compile(
    r"(?:19|20)\d{2}(?:年)?[—\-–~～至到](?:19|20)\d{2}年?|(?:19|20)\d{2}年(?:底|末)?"
)
_YEAR_AFTER = re.compile(r"^(\d+(?:\.\d+)?)[%‰]?[（(]((?:19|20)\d{2})年?[）)]$")
_NOTE_ROW = re.compile(r"^(?:说明|计算方法|指标说明|解释|注|备注)\d*[:：]")


def _value(cell: str) -> int | float | None:
    return _baseline(cell)[0]


def _baseline(cell: str) -> tuple[int | float | None, int | None]:
    """A baseline cell's value, and its own year when it prints one (2013年为17.2)."""
    c = re.sub(r"\s+", "", cell or "")
    if _EMPTY.match(c):
        return None, None
    after = _YEAR_AFTER.match(c)
    if after:
        # 89.6(2014年): the value, then the year it was measured.
        return num_value(after.group(1)), int(after.group(2))
    own = _OWN_YEAR.match(c)
    year = int(own.group(1)) if own else None
    rest = c[own.end() :] if own else _YEAR_SPAN.sub("", c)
    m = re.search(r"\d+(?:\.\d+)?", rest)
    return (num_value(m.group(0)) if m else None), year


def is_indicator_table(t: Table) -> bool:
    if not t.rows:
        return False
    head = " ".join(t.rows[0])
    flat = " ".join(" ".join(r) for r in t.rows[1:6])
    return bool(
        re.search(r"指标", head)
        and (re.search(r"目标|基期|现状|\d{4}年", head) or _NATURE.search(flat))
    )


def parse_indicator_table(t: Table) -> list[dict[str, Any]]:
    head = [re.sub(r"\s+", "", c) for c in t.rows[0]]
    col: dict[str, int] = {}
    targets: list[tuple[int, int | None]] = []
    base_year: int | None = None
    for i, h in enumerate(head):
        if _SEQ_HEAD.match(h) and "seq" not in col:
            col["seq"] = i
        elif _UNIT_HEAD.match(h):
            col["unit"] = i
        elif _NATURE_HEAD.search(h) and "nature" not in col:
            col["nature"] = i
        elif _DOMAIN_HEAD.search(h) and "domain" not in col and "指标" not in h:
            col["domain"] = i
        elif _TARGET_HEAD.search(h):
            ym = _YEAR.search(h)
            targets.append((i, int(ym.group(1)) if ym else None))
        elif _BASE_HEAD.search(h) or (_YEAR.search(h) and "base" not in col):
            col["base"] = i
            ym = _YEAR.search(h)
            base_year = int(ym.group(1)) if ym else None
        elif _NAME_HEAD.search(h) and "name" not in col:
            col["name"] = i
        elif _YEAR.search(h):
            ym = _YEAR.search(h)
            targets.append((i, int(ym.group(1)) if ym else None))
    if "name" not in col:
        # The name column is the first wide text column not otherwise claimed.
        used = set(col.values()) | {i for i, _ in targets}
        free = [i for i in range(len(head)) if i not in used]
        if not free:
            return []
        col["name"] = free[0]
    out: list[dict[str, Any]] = []
    domain: str | None = None
    parent: str | None = None

    def cell(row: list[str], key: str) -> str:
        i = col.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    for ri, row in enumerate(t.rows[1:], start=1):
        # A header repeated where the table runs onto the next page.
        if [re.sub(r"\s+", "", c) for c in row] == head:
            continue
        d = cell(row, "domain")
        if d:
            domain = re.sub(r"\s+", "", d)
        name = re.sub(r"\s+", "", cell(row, "name"))
        if not name or _TARGET_HEAD.search(name) and _NAME_HEAD.search(name):
            continue
        if _NOTE_ROW.match(name):
            continue
        seq = cell(row, "seq") or None
        sub = bool(re.match(r"^其中[:：]?", name))
        name = re.sub(r"^其中[:：]?", "", name)
        if not seq and not sub and "seq" in col and domain and name == domain:
            continue
        base_cell = cell(row, "base")
        base_value, own_year = _baseline(base_cell)
        tcells = [(row[i] if i < len(row) else "", y) for i, y in targets]
        if not tcells and not base_cell:
            continue
        parsed = [parse_target_cell(c, name, y) for c, y in tcells]
        # A relative or per-year target's unit is the change's, not the indicator's.
        absolute = [c for (c, _), p in zip(tcells, parsed, strict=False) if p["kind"] == "absolute"]
        other = [c for (c, _), p in zip(tcells, parsed, strict=False) if p["kind"] != "absolute"]
        unit = cell(row, "unit") or infer_unit(name, [base_cell] + absolute, other)
        # 人均预期寿命（岁）: the bracketed unit is the unit column folded into the name.
        um = _NAME_UNIT.search(name)
        if um and len(name) > um.end() - um.start() + 1:
            name = name[: um.start()]
        target = parsed[-1] if parsed else parse_target_cell("", name, None)
        ind: dict[str, Any] = {
            "domain": domain,
            "seq": seq,
            "name": name,
            "parent": parent if sub else None,
            "unit": unit,
            "baseline": {"year": own_year or base_year, "value": base_value},
            "target": target,
            "nature": (_NATURE.search(cell(row, "nature")) or [None])[0]
            if cell(row, "nature")
            else None,
            "span": list(t.row_spans[ri]) if ri < len(t.row_spans) else [t.start, t.end],
        }
        if len(parsed) > 1:
            ind["milestones"] = [
                {k: p.get(k) for k in ("year", "comparator", "value", "text")} for p in parsed[:-1]
            ]
        if not sub:
            parent = name
        out.append(ind)
    return out
