"""Decoding and normalising plan text.

Everything downstream works on the normalised text and reports character spans into it,
so every change that matters for parsing (full-width digits, spaces that PDF extraction
puts inside words, paragraphs broken by page ends, web-page residue) happens here once.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

__all__ = [
    "decode_bytes",
    "normalise",
    "cn_to_int",
    "CJK",
    "is_table_line",
    "strip_brackets",
]

# Characters that belong to running Chinese text (ideographs and CJK punctuation).
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’—…·"

# str.translate table: a code point to its replacement (None deletes it).
_FW: dict[int, int | str | None] = {ord("０") + i: ord("0") + i for i in range(10)}
_FW.update({ord("Ａ") + i: ord("A") + i for i in range(26)})
_FW.update({ord("ａ") + i: ord("a") + i for i in range(26)})
_FW.update(
    {
        ord("％"): "%",
        ord("\u3000"): " ",
        ord("\xa0"): " ",
        ord("\u2002"): " ",
        ord("\u2003"): " ",
        ord("\u2009"): " ",
        ord("\u202f"): " ",
        ord("\r"): None,
        ord("\u200b"): None,
        ord("\u200c"): None,
        ord("\u200d"): None,
        ord("\ufeff"): None,
        ord("\u00ad"): None,
        ord("\u2060"): None,
        ord("＜"): "<",
        ord("＞"): ">",
        ord("\x0b"): "\n",
        ord("\x0c"): "\n",
    }
)


def decode_bytes(data: bytes) -> str:
    """Decode a text file: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "Ｏ": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def cn_to_int(s: str) -> int | None:
    """Chinese numeral (or Arabic digits) → int; None when it is not a number."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


# Markdown left over from web-page conversion.
_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^)\n]*)\)")
_MD_EMPH = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_MD_ESC = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_MD_RULE = re.compile(r"^[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$")

# Spaces next to Chinese characters are extraction artefacts (PDF, justified text).
_SPACE_CJK = re.compile(rf"(?<=[{CJK}])[ ]{{1,2}}|[ ]{{1,2}}(?=[{CJK}])")
_SPACE_DIGIT_CJK = re.compile(rf"(?<=\d)[ ]{{1,2}}(?=[{CJK}])|(?<=[{CJK}])[ ]{{1,2}}(?=\d)")
_WIDE_GAP = re.compile(r"(?<=\S)[ ]{3,}(?=\S)")

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d+(?:\s*of\s*\d+)?)\s*$",
    re.I,
)

_PROVENANCE = re.compile(r"^\s*#\s*source\s*:", re.I)

# A table-of-contents entry: a dot leader and a page number (目录 of a PDF or .docx).
_TOC_ENTRY = re.compile(r"(?:[.．…·•]\s*){5,}…?\s*\d{1,4}\s*(?:$|\s)")

# Lines a web page adds around the document; dropped outright.
_RESIDUE = re.compile(
    r"^(?:您?当前(?:所在)?位置|当前位置|首页\s*[>＞»]|.*首页\s*[>＞»].*[>＞»]|【?打印(?:本页|此页|文章)?】?$|"
    r"【?关闭(?:窗口|本页)?】?$|打印\s*关闭|\[?打印\]?\s*\[?关闭\]?|(?:信息)?来源[:：]|浏览次数|访问量|阅读次数|点击数|"
    r"浏览量|扫码|扫一扫|分享到|字号|【?\s*大\s*中\s*小\s*】?$|责任编辑|发布时间|发布日期[:：]|"
    r"请输入|无障碍|关怀版|.*ICP备|.*公网安备|政府网站标识码|网站标识码|主办[:：]|承办[:：]|协办[:：]|"
    r"技术支持[:：]|联系我们|网站地图|.*版权所有|Copyright|收藏本页|设为首页|加入收藏|【?纠错】?$|"
    r"简\s*繁|政务邮箱|手机版|微信|微博|附件下载[:：]?$)",
    re.I,
)
# Lines after which a web page carries only navigation.
_FOOTER_START = re.compile(
    r"^(?:关联稿件|相关稿件|相关文章|相关阅读|相关链接|相关新闻|上一篇|下一篇|【?相关文件】?)"
)

_TERMINAL = set("。！？；;：:!?”’）)】〕]」』>|")
_CONTINUES = set("、，,（(《“")
_LABEL_START = re.compile(
    r"^[\t ]*(?:第[一二三四五六七八九十百零〇\d]+[章节篇]|[一二三四五六七八九十]+\s*[、．.]|"
    r"[（(〔\[【［]\s*(?:[一二三四五六七八九十]+|\d{1,3})\s*[）)〕\]】］]|\d{1,3}\s*[、．.。](?!\d)|\d{1,3}[）)]|[①-⑳]|"
    r"[【\[]?专栏|附件|附表|抄送|印发)"
)


# Lines that stand alone in a notice: 文号, dates, signatures.
_STANDALONE = re.compile(
    r"^[\u4e00-\u9fff]{1,14}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,4}\s*号$|"
    r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|^[一二三四五六七八九〇零○]{4}年"
)


def is_table_line(line: str) -> bool:
    # Cells joined by bars (with or without outer bars) or tabs.
    return "|" in line or "\t" in line


def _clean_line(line: str) -> str:
    if _MD_RULE.match(line):
        return ""
    line = _MD_HEADING.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_ESC.sub(r"\1", line)
    if "*" in line or "__" in line:
        line = _MD_EMPH.sub("", line)
    # Keep leading tabs: some exports mark table cells with them.
    m = re.match(r"^[ ]*(\t*)", line)
    lead = m.group(1) if m else ""
    body = line[m.end() :] if m else line
    body = body.strip(" ")
    body = _WIDE_GAP.sub("\t", body)
    body = _SPACE_CJK.sub("", body)
    body = _SPACE_DIGIT_CJK.sub("", body)
    return lead + body


def _joins(prev: str, nxt: str, width: int) -> bool:
    """Does `nxt` continue the paragraph that `prev` left unfinished (page or column break)?"""
    if not prev or not nxt or is_table_line(prev) or is_table_line(nxt):
        return False
    if _LABEL_START.match(nxt) or _RESIDUE.match(nxt) or _STANDALONE.match(nxt):
        return False
    first = nxt[0]
    # Closing punctuation never opens a paragraph.
    if first in "，。、；：）)”》,;:!?！？":
        return True
    # Hard-wrapped text (PDF): a full-width line runs on whatever its last character. A line
    # much wider than the wrap width (a title, a salutation) was never wrapped.
    if width and len(prev) >= width - 1 and _visual_width(prev) <= width + 1:
        return True
    if not re.match(rf"[{CJK}\w]", first) or first in "（(【〔[":
        return False
    last = prev[-1]
    if last in _TERMINAL:
        return False
    if last in _CONTINUES:
        return True
    # Without a wrap width only a line that already holds a sentence runs on.
    return "。" in prev and len(prev) >= 20


def _visual_width(line: str) -> float:
    """Printed width in full-width characters: digits and Latin letters take half a cell."""
    half = sum(1 for ch in line if ord(ch) < 0x2000)
    return len(line) - half / 2


def _wrap_width(lines: list[str]) -> int:
    """The line width of hard-wrapped text, or 0 when lines are whole paragraphs."""
    lens = [len(x) for x in lines if len(x) >= 16 and not is_table_line(x)]
    if len(lens) < 12:
        return 0
    counts: dict[int, int] = {}
    for n in lens:
        counts[n] = counts.get(n, 0) + 1
    best = max(counts, key=lambda n: counts.get(n - 1, 0) + counts[n] + counts.get(n + 1, 0))
    near = counts.get(best - 1, 0) + counts[best] + counts.get(best + 1, 0)
    return best if near >= 0.4 * len(lens) and near >= 8 else 0


def _without_contents(lines: list[str | None]) -> list[str | None]:
    """Drop a table of contents without dot leaders: the lines after a 目录 heading up to where
    its first entry is printed again as the body's first heading."""
    for i, line in enumerate(lines[:400]):
        if line is None or re.sub(r"\s+", "", line) not in ("目录", "目次"):
            continue
        entries = [(k, x) for k, x in enumerate(lines[i + 1 :], start=i + 1) if x]
        if not entries:
            return lines
        first = re.sub(r"\s+", "", entries[0][1])
        for k, x in entries[1:300]:
            if re.sub(r"\s+", "", x) == first:
                return lines[:i] + lines[k:]
            if "。" in x and len(x) > 60:
                break
        return lines
    return lines


def normalise(raw: str) -> str:
    """Return the text every span refers to: one line per paragraph, residue removed."""
    t = unicodedata.normalize("NFC", raw).translate(_FW)
    cleaned: list[str | None] = []  # None marks a blank line
    for i, raw_line in enumerate(t.split("\n")):
        if i == 0 and _PROVENANCE.match(raw_line):
            # A collector's note on where the text came from, not part of the document.
            cleaned.append(None)
            continue
        line = _clean_line(raw_line)
        if not line.strip(" "):
            # A lone tab is an empty table cell, not a blank line.
            cleaned.append("\t" if line.startswith("\t") else None)
            continue
        stripped = line.strip()
        if _FOOTER_START.match(stripped):
            break
        if len(stripped) < 80 and (_RESIDUE.match(stripped) or _PAGE_NUMBER.match(stripped)):
            continue
        if _TOC_ENTRY.search(stripped):
            continue
        cleaned.append(line)
    cleaned = _without_contents(cleaned)
    width = _wrap_width([x for x in cleaned if x])
    out: list[str] = []
    pending_blank = 0
    last_len = 0
    for kept in cleaned:
        if kept is None:
            pending_blank += 1
            continue
        line = kept
        if (
            out
            and pending_blank <= 6
            and _joins(out[-1][-last_len:] if last_len else out[-1], line, width)
        ):
            out[-1] = out[-1] + line.lstrip("\t")
            last_len = len(line)
            pending_blank = 0
            continue
        if pending_blank and out:
            out.append("")
        pending_blank = 0
        out.append(line)
        last_len = len(line)
    return "\n".join(out).strip("\n") + ("\n" if out else "")


_BRACKETS = str.maketrans(
    {
        "〔": "（",
        "〕": "）",
        "[": "（",
        "]": "）",
        "(": "（",
        ")": "）",
        "【": "（",
        "】": "）",
        "［": "（",
        "］": "）",
    }
)


def strip_brackets(s: str) -> str:
    """Unify bracket shapes to full-width parentheses (how unit names are stored)."""
    return s.translate(_BRACKETS)
