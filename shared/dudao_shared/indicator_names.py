"""When the words of an in-text target name an indicator, and which one.

A plan's running text states many numbers that a result must reach (``累计建设16个特色科室``,
``每个县（市、区）至少1所``); only some of them measure something that can be tracked year by
year as an indicator (``孕产妇死亡率控制在8/10万以下``). The parsed form keeps every target; the
indicator service turns into an indicator only those whose words name one, and one indicator
once however often the text repeats it. Both the importer and the indicator service read this
module, so that a parsed plan and a hand-made gold file are judged by the same rule.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["indicator_key", "indicator_name", "names_indicator"]

# Words a plan's indicator names end in: what is measured, not what is built or done
# (孕产妇死亡率, 每千人口床位数, 个人卫生支出占卫生总费用的比重, 电子病历应用水平平均级别).
_MEASURE_END = re.compile(
    r"(?:率|比例|比重|占比|构成比|比值|数|数量|人数|次数|床位数|年龄|寿命|水平|指数|值|级别|等级|"
    r"满意度|知晓率|密度|半径|距离|时间|时限|用时|时长|天数|住院日|费用|金额|总额|总量|量|规模|"
    r"增速|增幅|增长|收入|支出|份额|面积|得分|分值)$"
)
# Endings that look like a measure word but close an ordinary phrase (医疗质量, 少数, 每年测量).
_NOT_MEASURE_END = re.compile(
    r"(?:质量|力量|能量|多数|少数|半数|无数|倍数|效率|测量|计量|考量|商量|尽量|大量|少量|适量)$"
)
# A name never holds a clause: punctuation, a printed value, or a requirement put on someone
# (病床使用率保持在90%以上、平均住院日; 要求所有疫点在5天内将布雷图指数…).
_CLAUSE = re.compile(
    r"[，,；;。：:！？!?]|\d+(?:\.\d+)?\s*(?:%|‰)|分别|以上[、和]|以下[、和]|左右[、和]|要求|将|把|基本实现"
)
# A comparator inside a name means the text around a number was taken for it
# (诊疗量力争达到本地区医疗机构诊疗总量), unless it qualifies the head noun that follows
# (达到《国民体质测定标准》合格以上的人数比例).
_COMPARATOR = re.compile(
    r"达到|控制在|保持在|稳定在|维持在|不低于|不少于|不超过|不高于|提高到|提高至|提升到|提升至|降低到|"
    r"降至|下降到|压缩至|压缩到"
)
# Words that open the clause a target stands in, not the indicator's name (力争, 确保, 实现, 全市).
_LEAD = re.compile(
    r"^(?:(?:力争|争取|力求|确保|实现|努力|进一步|逐步|稳步|并且|同时|其中|以及|且|将|把|当)+)"
)
# 按/按照 opens the basis of a calculation (按照…年度药品总用量的60%估算采购总量), not what is
# measured.
_BASIS = re.compile(r"^按(?!时|期)")
# The whole region a plan covers says nothing about what is measured (全市居民健康素养水平 is
# the table's 居民健康素养水平).
_SCOPE = re.compile(
    r"^(?:全国|全省|全市|全区|全县|我国|我省|我市|我区|我县|本省|本市|本区|本县|所有|全部)+"
)
_NOTE = re.compile(r"[（(][^（）()]*[)）]$")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")


def _clean(name: str) -> str:
    t = unicodedata.normalize("NFKC", name or "")
    t = re.sub(r"\s+", "", t)
    return t.strip("，,、;；。.:： ")


def _core(name: str) -> str:
    """The name without the words that open its clause."""
    t = _clean(name)
    while True:
        stripped = _LEAD.sub("", t)
        if stripped == t:
            return t
        t = stripped


def names_indicator(name: str | None) -> bool:
    """Whether a target's name is the name of an indicator: a noun phrase ending in a word of
    measure, with no comparator or clause inside it."""
    t = _core(name or "")
    if len(t) < 2 or _CLAUSE.search(t) or _BASIS.match(t):
        return False
    cmp = _COMPARATOR.search(t)
    if cmp and "的" not in t[cmp.end() :]:
        return False
    # Several indicators listed with one set of values (…素养水平、…素养水平、…素养水平 分别…)
    # are not one indicator.
    if sum(1 for part in t.split("、") if _MEASURE_END.search(part)) > 1:
        return False
    # A closing note names no measure: 病例组合指数（CMI） ends in 指数.
    while _NOTE.search(t):
        t = _NOTE.sub("", t)
    head = _QUOTES.sub("", t)
    if len(head) < 2 or _NOT_MEASURE_END.search(head):
        return False
    return bool(_MEASURE_END.search(head)) and not re.fullmatch(r"[\d.%‰]+.?", head)


def indicator_name(name: str | None) -> str:
    """The name to store for an indicator named in running text: without the words that open
    its clause (且负压救护车占比 → 负压救护车占比)."""
    return _core(name or "")


def indicator_key(name: str | None) -> str:
    """The form under which two names are the same indicator: opening words, the plan's own
    region, quotes and 的 dropped; ``及以上`` read as ``以上`` (二级及以上 is 二级以上)."""
    t = _core(name or "")
    t = _SCOPE.sub("", t)
    t = _QUOTES.sub("", t)
    t = t.replace("（", "(").replace("）", ")")
    t = t.replace("及以上", "以上").replace("及以下", "以下")
    return t.replace("的", "")
