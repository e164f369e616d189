"""Quantitative targets stated in running text (婚检率稳定在97%以上, 累计建设16个特色科室)."""

from __future__ import annotations

import re
from typing import Any

from dudao_shared.indicator_names import names_indicator

from .dates import YearPhrase, masked, year_phrases

__all__ = ["extract_targets", "num_value"]

_NUM = re.compile(
    r"(?P<sign>[≥≤><]=?)?(?P<v1>\d+(?:\.\d+)?)"
    r"(?:(?P<u1>%|‰)?\s*(?P<rs>[-—–~～至])\s*(?P<v2>\d+(?:\.\d+)?))?"
)
_UNIT = re.compile(
    r"^(?P<u>%|‰|‱|/\s*10\s*万|/\s*万|/\s*千|个百分点|百分点|万人口|人口|万元|亿元|万人次|万人|万份|平方米|公里|千米|小时|分钟|"
    r"个工作日|工作日|个月|个|家|所|名|人次|人|张|辆|项|件|座|台|套|支|次|级|天|日|岁|床|户|篇|元|倍|处|间|种|门|"
    r"年|月|届|期|批|号|条|类|层|周|分)"
)
_LISTED = re.compile(r"(?:[\u4e00-\u9fff]{1,8}[、和及]){3,}[\u4e00-\u9fff]{1,8}等?$")
_RATE_UNITS = {"%", "‰", "‱", "个百分点", "百分点"}
_COUNT_UNITS = {
    "个",
    "家",
    "所",
    "名",
    "人次",
    "人",
    "张",
    "辆",
    "项",
    "件",
    "座",
    "台",
    "套",
    "支",
    "床",
    "户",
    "篇",
    "处",
    "间",
    "种",
    "门",
    "元",
    "万元",
    "亿元",
    "万人次",
    "万人",
    "万份",
    "次",
}
_NEVER_UNITS = {"年", "月", "届", "期", "批", "号", "条", "类", "层", "分"}
# A span of time is a target only when a word bounds it (压缩至3周以内, 控制在8天以内); a bare
# window (目录更新后30天内, 1天内完成) says how soon to act, not a level to reach.
_TIME_UNITS = {"天", "日", "周", "个月", "小时", "分钟", "个工作日", "工作日"}

_CMP_BEFORE = [
    (
        re.compile(
            r"(?:不低于|不少于|至少|超过|超(?=$)|高于|大于|多于|提高到|提升到|提高至|提升至|增加到|增加至|增至|增长到|增长至|达到|达|保持在|稳定在|维持在|突破|力争达到)"
        ),
        ">=",
    ),
    (
        re.compile(
            r"(?:不超过|不高于|不多于|低于|小于|少于|控制在|控制到|降低到|降低至|降至|下降到|下降至|减少到|减少至|压缩到|压缩至|缩短到|缩短至)"
        ),
        "<=",
    ),
    (re.compile(r"(?:约|大约|大概)$"), "~"),
]
_CMP_AFTER = re.compile(r"^(?:及以上|以上|及以下|以下|以内|之内|左右|上下|内)")
_CONDITION_AFTER = re.compile(r"^(?:及以上|以上|及以下|以下)[^，,。；;、]{0,8}的")
_BUILD = re.compile(
    r"建设|建成|新建|新增|创建|创成|培养|培训|招聘|招收|招录|录用|招募|引进|设置|设立|配置|配备|打造|选取|选择|依托|遴选|"
    r"认定|评选|开设|组建|培育|改造|规划|建立|布局|储备|选派|选拔|增加|累计|完成|扩增|扩建|命名|认证|创评|达标"
)
_VERB_END = re.compile(
    r"(?:建设|建成|新建|新增|设置|设立|配置|配备|培养|培训|招聘|选取|选择|依托|创建|打造|遴选|选派|选拔|累计|有)$"
)
_PER_PLACE = re.compile(r"每个|每一个|各[县市区乡镇省]|各地|各设区市|均有|均建")
_DESCRIPTIVE = re.compile(r"截至目前|截止目前|目前|现有|已有|已经|现已|已建成|已达|共有|原有")
_AHEAD = re.compile(
    r"到\s*(?:19|20)\d{2}|至\s*(?:19|20)\d{2}|(?:19|20)\d{2}\s*年(?:底|末)?前|力争|争取|确保|力求|目标|"
    r"必须|不低于|不少于|不超过|不高于|控制|(?:提高|提升|降低|下降|减少|增加|增长)(?!了)|达标"
)
_STATE_SUBJECT = re.compile(
    r"^(?:(?:19|20)\d{2}年[，,]?\s*)?(?:我国|全国|我省|全省|我市|全市|我区|全区|我县|全县|中国)"
)
_RECURRING = re.compile(r"每年|每季度|每月|每半年|年均|每周|逐年")
_STOP = "，,；;。：:！？!?\n"
_SENT = "。；;！？!?\n"
_CN_ONE = re.compile(r"(?<![第每统唯同逐万])一(?P<u>个|所|家|名|支|座|处)(?![一体])")
_CN_ONE_CTX = re.compile(r"每个|每一|各[县市区乡镇省]|至少|不少于|均有|均建")
_BASE = re.compile(
    r"每(?P<n>\d+(?:\.\d+)?)?(?P<m>[万千百])?(?P<what>人口|人|名居民|居民|张[^，,、]{0,6}床位)"
)
_LEAD_TIME = re.compile(
    r"^(?:到|至|力争|争取|计划|确保|预计|截至)?(?:到)?"
    r"(?:\s*(?:19|20)\d{2}\s*年(?:底|末|年底)?(?:前)?[，,、和及]?)+"
)
# What closes the previous target of a list (3个以上、5个以上; 控制在6‰以下、婴儿死亡率…).
_AFTER_PREVIOUS = re.compile(r"^(?:及以上|以上|及以下|以下|以内|之内|左右|上下)?[、和及与，,\s]*")
# The head noun a list repeats without its measure: 省级医院四级手术占比达到35%、市级医院达到30%.
_ELLIPTIC = re.compile(r"^[\u4e00-\u9fff（）()]{2,12}$")
_TRAIL_WORDS = re.compile(
    r"(?:分别|均|都|应|要|力争|争取|原则上|稳步|逐步|进一步|力求|确保)?(?:不低于|不少于|至少|超过|高于|达到|达|保持在|稳定在|维持在|"
    r"不超过|低于|控制在|降低到|降至|下降到|提高到|提升到|提高至|提升至|增加到|增至|为|在|"
    r"压缩至|压缩到|缩短至|缩短到|降低至|下降至|减少到|减少至|增加至|增长到|增长至|超)?$"
)
# Words that open a clause rather than a name (力争将…时间压缩至3周, 确保把…).
_LEAD_WORDS = re.compile(r"^(?:力争|争取|力求|确保|努力)?(?:将|把)")
# A standard per head of population (按每万名居民拥有全科医生数1.07人) states a level; the
# 按 only introduces it.
_PER_HEAD_STANDARD = re.compile(r"^按(?=每\d*(?:\.\d+)?[万千百]?(?:人口|人|名居民|居民))")
# A comparator word inside the words before a share (诊疗量力争达到诊疗总量的20%).
_SHARE_CMP = re.compile(
    r"(?:力争|争取)?(?:不低于|不少于|不超过|不高于|超过|高于|低于|达到|占到|占)"
)


def num_value(s: str) -> int | float:
    f = float(s)
    return int(f) if f.is_integer() and "." not in s else f


def _clause_start(text: str, pos: int, stops: str = _STOP) -> int:
    i = pos - 1
    while i >= 0 and text[i] not in stops:
        i -= 1
    return i + 1


def _comparator(pre: str, post: str, sign: str | None) -> tuple[str | None, bool]:
    """(comparator, found a word or sign)."""
    if sign:
        return {"≥": ">=", "≤": "<=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}.get(
            sign, sign
        ), True
    am = _CMP_AFTER.match(post)
    if am:
        w = am.group(0)
        if w in ("左右", "上下"):
            return "~", True
        return (">=" if "上" in w else "<="), True
    best: tuple[tuple[int, int], str] | None = None
    tail = pre[-14:]
    for rx, cmp in _CMP_BEFORE:
        for m in rx.finditer(tail):
            # Same end: the longer word wins (不超过 over 超过).
            key = (m.end(), m.end() - m.start())
            if best is None or key > best[0]:
                best = (key, cmp)
    if best:
        return best[1], True
    return None, False


def _name(pre: str, post_text: str) -> str:
    name = _LEAD_TIME.sub("", pre.strip())
    name = _PER_HEAD_STANDARD.sub("", _LEAD_WORDS.sub("", name))
    name = _TRAIL_WORDS.sub("", name).strip("，,、 ")
    if len(name) < 2 or _VERB_END.search(name):
        tail = re.split(r"[，,。；;、和及]", _CMP_AFTER.sub("", post_text), maxsplit=1)[0]
        # What the verb builds follows the number (建设1个市级综合区域医疗中心); with nothing
        # there (全科医生转岗培训80人，…) the words before are the name.
        if len(name) < 2:
            name = name + tail
        elif len(tail.strip("，,、 的")) >= 2:
            name = tail
    return name.strip("，,、 的")[:60]


# A percentage of a population that does something: 全市90%以上的综合性医院…成为老年友善医疗卫生
# 机构; 确保把90%的患者留在县域内诊疗.
_OF_WHOM = re.compile(r"^(?:(?:及以上|以上|及以下|以下|左右)(?:的|(?=[\u4e00-\u9fff]))|的)")
_NEXT_SHARE = re.compile(r"[和、及与]\d+(?:\.\d+)?[%‰](?:及以上|以上|及以下|以下|左右)?的")
_PREDICATE = re.compile(
    r"提供|建成|成为|设立|设置|开设|开展|实现|具备|留在|规范|完成|纳入|接受|参加|使用|配备|建立|达到|"
    r"打造|接种|签约|参与|获得|享有|符合"
)


def _population_share_name(text: str, after: int) -> str | None:
    """``N%的X做Y`` measures the share of X that does Y: the name is ``X做Y的比例``."""
    om = _OF_WHOM.match(text[after:])
    if not om:
        return None
    start = after + om.end()
    ends = [k for k in (text.find(c, start) for c in "，,。；;") if k >= 0]
    end = min(ends) if ends else len(text)
    rest = text[start:end]
    # The predicate may stand in the next clause when that clause closes the sentence
    # (全区80%的乡(镇)卫生院，建成标准化公共卫生科。).
    if end < len(text) and text[end] in "，,":
        nxt_ends = [k for k in (text.find(c, end + 1) for c in "，,。；;") if k >= 0]
        nxt_end = min(nxt_ends) if nxt_ends else len(text)
        nxt = text[end + 1 : nxt_end]
        if (
            not _PREDICATE.search(rest)
            and (nxt_end == len(text) or text[nxt_end] in "。；;")
            and not re.search(r"\d", nxt)
            and len(nxt) <= 20
        ):
            rest += nxt
    listed = _NEXT_SHARE.search(rest)
    if listed:
        # 100%的乡(镇)卫生院和80%的村卫生室提供中医药服务: the first shares the last's predicate.
        verb = _PREDICATE.search(rest, listed.end())
        if verb is None:
            return None
        rest = rest[: listed.start()] + rest[verb.start() :]
    rest = rest.strip("，,、 ")
    if len(rest) < 4 or not _PREDICATE.search(rest):
        return None
    return f"{rest}的比例"[:60]


def _share_name(pre: str) -> str | None:
    """``A达到B的20%`` measures A's share of B: 社会办医疗机构诊疗量占本地区医疗机构诊疗总量的比例."""
    if not pre.endswith("的"):
        return None
    cmps = list(_SHARE_CMP.finditer(pre))
    if not cmps:
        return None
    c = cmps[-1]
    whole = _name(pre[: c.start()], "")
    part_of = pre[c.end() : -1].strip("，,、 ")
    if len(whole) < 2 or len(part_of) < 2:
        return None
    return f"{whole}占{part_of}的比例"[:60]


def _list_name(name: str, previous: str | None) -> str:
    """A target listed after another in one clause: nothing of its own names it (3个以上、5个以上)
    → the previous name; a bare subject (市级医院) → that subject with the previous measure
    (省级医院四级手术占比 → 市级医院四级手术占比)."""
    if not previous:
        return name
    if len(name) < 2:
        return previous
    if not _ELLIPTIC.match(name) or names_indicator(name) or not names_indicator(previous):
        return name
    for k in range(len(name) - 1, 1, -1):
        head = name[-k:]
        at = previous.find(head)
        if at >= 0 and at + k < len(previous):
            return name + previous[at + k :]
    return name


def _year_groups(text: str, phrases: list[YearPhrase]) -> list[tuple[list[int], int]]:
    """Lists such as 2023年、2024年、2025年 … 分别 …: (years, offset of 分别)."""
    groups: list[tuple[list[int], int]] = []
    i = 0
    while i < len(phrases):
        grp = [phrases[i]]
        j = i + 1
        while j < len(phrases) and re.fullmatch(
            r"[、，,和及与\s]*", text[grp[-1].end : phrases[j].start]
        ):
            grp.append(phrases[j])
            j += 1
        if len(grp) >= 2:
            end = grp[-1].end
            stop = min([k for k in (text.find(c, end) for c in "。；;") if k >= 0] or [len(text)])
            fb = text.find("分别", end, stop)
            if fb >= 0:
                groups.append(([p.year for p in grp], fb))
        i = j
    return groups


def extract_targets(text: str, offset: int, item: str | None) -> list[dict[str, Any]]:
    """Targets in one paragraph. Spans are offset by `offset` (the paragraph's position)."""
    if not text or not re.search(r"\d|一[个所家名支座处]", text):
        return []
    mask = masked(text)
    phrases = [p for p in year_phrases(text, mask) if p.is_deadline]
    groups = _year_groups(text, phrases)
    found: list[tuple[int, int, dict[str, Any]]] = []

    def year_for(pos: int) -> int | None:
        sent = _clause_start(text, pos, _SENT)
        # 每年 makes a target recurring unless a time phrase follows it (每年培养…，到2024年，…).
        last = [p for p in phrases if sent <= p.start and p.end <= pos]
        if _RECURRING.search(text[max(sent, last[-1].end) if last else sent : pos]):
            return None
        for years, fb in groups:
            if fb < pos and not any(c in text[fb:pos] for c in "。；;"):
                # The nearest 分别 before the value: 分别提高到30%、18%和45%、25% pairs the
                # blocks joined by 和 with the years, one block per year.
                anchor = text.rfind("分别", fb, pos)
                ends = [k for k in (text.find(c, pos) for c in "。；;，,") if k >= 0]
                stop = min(ends) if ends else len(text)
                if text.count("和", anchor, stop) == len(years) - 1 > 0:
                    return years[min(text.count("和", anchor, pos), len(years) - 1)]
                idx = sum(1 for _, _, t in found if t.get("_grp") == fb)
                if idx < len(years):
                    return years[idx]
        before = [p for p in phrases if p.end <= pos]
        return before[-1].year if before else None

    def group_of(pos: int) -> int | None:
        for _years, fb in groups:
            if fb < pos and not any(c in text[fb:pos] for c in "。；;"):
                return fb
        return None

    consumed = 0
    # End and name of the last target taken, so a list in one clause names each of its values.
    last: tuple[int, str] | None = None
    for m in _NUM.finditer(text):
        s, e = m.start(), m.end()
        if s < consumed:
            continue
        # Brackets hold notes and names; a printed sign (确保…ADI≤2) still makes a target.
        if (mask[s] and not m.group("sign")) or (
            s > 0 and (text[s - 1].isdigit() or text[s - 1] == ".")
        ):
            continue
        # Part of a code (H7N9, 5G), but not an index with a printed sign (BI<5).
        if (s > 0 and not m.group("sign") and re.match(r"[A-Za-z_]", text[s - 1])) or (
            e < len(text) and re.match(r"[A-Za-z]", text[e])
        ):
            continue
        prev = text[max(0, s - 1) : s]
        if prev in ("第", "前", "每", "号", "第"):
            continue
        um = _UNIT.match(text[e:])
        unit = um.group("u").replace(" ", "") if um else (m.group("u1") or None)
        uend = e + (um.end() if um else 0)
        consumed = uend
        v1 = m.group("v1")
        if unit in _NEVER_UNITS or (unit is None and re.match(r"^(?:19|20)\d{2}$", v1)):
            continue
        if unit is None and e < len(text) and text[e] in "年月日号届":
            continue
        post = text[uend : uend + 12]
        if (
            unit == "岁"
            and re.match(r"^(?:及以上|以上|及以下|以下)?[\u4e00-\u9fff]", post)
            and not re.match(r"^(?:以上|以下|左右)(?:[，,。；;]|$)", post)
        ):
            continue
        if _CONDITION_AFTER.match(post) and unit not in _RATE_UNITS:
            continue
        if unit is None and re.match(r"^[.．、]\s*[\u4e00-\u9fff]", text[e : e + 3]):
            continue
        cs = _clause_start(text, s)
        pre = text[cs:s]
        sent_start = _clause_start(text, s, _SENT)
        if _DESCRIPTIVE.search(text[sent_start:s]) or pre.endswith("拥有"):
            continue
        # Background figures: 我国…患病率达到2.1%, 2012年…超重率为30.1% — a state described,
        # not a level to reach, when nothing in the sentence looks ahead.
        sentence = text[
            sent_start : min([k for k in (text.find(c, s) for c in _SENT) if k >= 0] or [len(text)])
        ]
        if (
            not _AHEAD.search(sentence)
            and not _CMP_AFTER.match(post)
            and (
                _STATE_SUBJECT.match(text[sent_start:s])
                or re.search(r"(?:为|是|约为|占|占到)$", pre)
            )
        ):
            continue
        # A compound such as 分别控制在10%和4%以下 shares its closing word.
        post_cmp = post
        cm = re.match(r"^(?:[和、及与]\d+(?:\.\d+)?(?:%|‰|个|家|所|名|人|张)?)+", post)
        if cm and _CMP_AFTER.match(post[cm.end() :]):
            post_cmp = post[cm.end() :]
        rng = m.group("v2") is not None
        cmp, has_word = _comparator(pre, post_cmp, m.group("sign"))
        if unit in _TIME_UNITS and not (
            m.group("sign")
            or _comparator(pre, "", None)[1]
            or re.match(r"^(?:以内|之内|以下|及以下)", post_cmp)
        ):
            continue
        rate = unit in _RATE_UNITS or (unit or "").startswith("/")
        # A qualifier of what is counted: 年产值超100亿元、具备…的龙头企业2家.
        clause_rest = re.split(r"[，,。；;]", text[uend:], maxsplit=1)[0]
        qualifier = re.search(r"的[\u4e00-\u9fff]{1,12}\d", clause_rest)
        if qualifier and not rate:
            continue
        # A count of the things just listed (选择北京、天津、…、西安11个城市) describes them.
        if not rate and _LISTED.search(pre):
            continue
        count = unit in _COUNT_UNITS
        if rng:
            is_target = rate or count or has_word
        elif rate or has_word:
            is_target = True
        elif count:
            is_target = bool(
                _BUILD.search(pre) or pre.endswith(("数", "有")) or _PER_PLACE.search(pre)
            )
        else:
            is_target = False
        if not is_target:
            continue
        value = num_value(v1)
        name_from = cs
        previous = None
        if last is not None and last[0] > cs:
            name_from, previous = last[0], last[1]
        own = text[name_from:s]
        if previous is not None:
            own = _AFTER_PREVIOUS.sub("", own)
        share = _share_name(own) if unit in _RATE_UNITS else None
        name = share or _list_name(_name(own, text[uend : uend + 30]), previous)
        if unit in ("%", "‰") and not names_indicator(name):
            name = _population_share_name(text, uend) or name
        last = (uend, name)
        tgt: dict[str, Any] = {
            "item": item,
            "name": name,
            "comparator": "between" if rng else (cmp or ">="),
            "value": value,
            "unit": unit,
            "year": None,
        }
        if rng:
            tgt["value_max"] = num_value(m.group("v2"))
        bases = list(_BASE.finditer(pre))
        if bases and unit:
            b = bases[-1]
            tgt["unit"] = f"{unit}/{b.group('n') or ''}{b.group('m') or ''}{b.group('what')}"
        fb = group_of(s)
        tgt["year"] = year_for(s)
        if fb is not None:
            tgt["_grp"] = fb
        copies = len(bases) if len(bases) >= 2 and all(b.group("n") for b in bases) else 1
        for k in range(copies):
            t2 = dict(tgt)
            if copies > 1:
                b = bases[k]
                t2["unit"] = f"{unit}/{b.group('n') or ''}{b.group('m') or ''}{b.group('what')}"
            found.append((s, uend, t2))
    for m in _CN_ONE.finditer(text):
        s = m.start()
        if mask[s]:
            continue
        cs = _clause_start(text, s)
        pre = text[cs:s]
        if not _CN_ONE_CTX.search(pre) or _RECURRING.search(pre):
            continue
        tgt = {
            "item": item,
            "name": _name(pre, text[m.end() : m.end() + 30]),
            "comparator": ">=",
            "value": 1,
            "unit": m.group("u"),
            "year": year_for(s),
        }
        found.append((s, m.end(), tgt))
    found.sort(key=lambda x: x[0])
    out = []
    for s, e, t in found:
        t.pop("_grp", None)
        t["span"] = [offset + s, offset + e]
        out.append(t)
    return out
