"""Numbered structure: labels, the item tree, 专栏 boxes, and which part holds the tasks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .text import cn_to_int
from .units import find_unit_group, find_unit_label, parse_units

__all__ = [
    "Label",
    "Node",
    "Box",
    "Structure",
    "parse_label",
    "build_structure",
    "EXCLUDE_TITLE",
    "GOAL_TITLE",
]

_CN = "一二三四五六七八九十"
_OPEN = "（(〔[【［"
_CLOSE = "）)〕]】］"
_O = re.escape(_OPEN)
_C = re.escape(_CLOSE)

_LABEL = re.compile(
    rf"^[\t ]*(?:"
    rf"(?P<zh>第(?P<zhn>[{_CN}百零〇\d]+)(?P<zhk>章|节|篇|部分))[\s:：、．.]*"
    rf"|(?P<cn>[{_CN}]{{1,3}})\s*[、．.](?!\d)"
    rf"|[{_O}]\s*(?P<pcn>[{_CN}]{{1,3}})\s*[{_C}]"
    rf"|[{_O}]\s*(?P<par>\d{{1,3}})\s*[{_C}]"
    rf"|(?P<ar>\d{{1,3}})\s*[、．.。](?!\d)"
    rf"|(?P<arp>\d{{1,3}})[）)]"
    rf"|(?P<circ>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])"
    rf")[\s:：]*"
)
_CIRC = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_RANK = {
    "zh:部分": 0,
    "zh:篇": 0,
    "zh:章": 1,
    "zh:节": 2,
    "cn": 3,
    "pcn": 4,
    "ar": 5,
    "par": 6,
    "arp": 7,
    "circ": 8,
}

_BOX = re.compile(
    rf"^[\t ]*[{_O}]?\s*专栏\s*(?P<n>\d{{1,3}}|[{_CN}]{{1,3}})?\s*[{_C}]?\s*[:：．.、\s]*(?P<title>.*)$"
)
_END = re.compile(r"^[\t ]*(?:附件|附表|抄送[:：]|抄报[:：])")
# A label followed by 二类 / 三级 is a phrase ('一、二级医院'), not a heading.
_FALSE_CN = re.compile(rf"^[{_CN}]+[级类等届批期]")

EXCLUDE_TITLE = re.compile(
    r"总体要求|总体思路|指导思想|指导原则|基本原则|工作原则|编制依据|规划依据|发展(?:现状|基础|形势|环境|回顾)|"
    r"现状|面临的?形势|形势与挑战|机遇与挑战|机遇和挑战|(?:工作|发展|主要|总体|规划|建设|行动|具体|实施|预期|阶段性?)目标|"
    r"目标(?:和|与|及)?(?:指标|要求|定位)|^目标$|主要指标|保障措施|保障机制|组织(?:实施|保障|领导)|"
    r"实施保障|工作要求|工作步骤|实施步骤|进度安排|时间安排|步骤安排|方法步骤|实施范围|适用范围|附则|"
    r"监测评估|考核评估|评估考核|督导考核|规划实施|其他事项|有关要求|工作保障|政策保障|^总则$|^前言$|^序言$|"
    r"总体原则|总体战略|战略主题|工作安排|组织形式|组织架构|组织机构|(?:管理|其他|其它|相关)要求"
)
_TASKY = re.compile(
    r"任务|重点工作|主要工作|工作重点|重点项目|主要举措|重点举措|具体措施|主要措施|工作措施|重点行动|"
    r"工作内容|主要内容|重点内容"
)
# The heading of the part that holds a document's tasks.
_TASK_PART = re.compile(
    r"(?:主要|重点|工作|具体)(?:任务|措施|举措|内容|工作)|任务(?:和|与)?措施|工作内容"
)
GOAL_TITLE = re.compile(r"目标")


@dataclass
class Label:
    style: str
    value: int
    text: str  # normalised form used in codes
    content: int  # offset in the line where the heading text starts


def parse_label(line: str) -> Label | None:
    m = _LABEL.match(line)
    if not m:
        return None
    g = m.groupdict()
    if g["zh"]:
        v = cn_to_int(g["zhn"])
        if v is None:
            return None
        return Label("zh:" + g["zhk"], v, g["zh"], m.end())
    if g["cn"]:
        v = cn_to_int(g["cn"])
        if v is None or _FALSE_CN.match(line[m.end() :]):
            return None
        return Label("cn", v, g["cn"], m.end())
    if g["pcn"]:
        v = cn_to_int(g["pcn"])
        if v is None:
            return None
        return Label("pcn", v, f"({g['pcn']})", m.end())
    if g["par"]:
        return Label("par", int(g["par"]), f"({int(g['par'])})", m.end())
    if g["ar"]:
        rest = line[m.end() :]
        # '3.5亿' was ruled out by the regex; '1、2号楼' and bare numbers are not headings.
        if not rest or rest[0].isdigit():
            return None
        return Label("ar", int(g["ar"]), str(int(g["ar"])), m.end())
    if g["arp"]:
        return Label("arp", int(g["arp"]), f"({int(g['arp'])})", m.end())
    if g["circ"]:
        return Label("circ", _CIRC.index(g["circ"]) + 1, g["circ"], m.end())
    return None


@dataclass
class Box:
    number: str
    title: str
    anchor: Node | None
    start: int
    style: str | None = None
    last: int = 0
    items: list[Node] = field(default_factory=list)
    with_body: bool = False


@dataclass
class Node:
    label: Label
    line: int
    start: int  # offset of the line in the text
    line_end: int
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    box: Box | None = None
    paras: list[tuple[int, int]] = field(default_factory=list)
    units: list[dict[str, str]] | None = None
    units_span: tuple[int, int] | None = None
    closed: bool = False
    title: str = ""
    title_span: tuple[int, int] = (0, 0)
    excluded: bool = False
    kind: str = ""
    code: str = ""
    run: int = 1  # which list of its parent it is in, when the numbering restarts at 1

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.paras[-1][1] if self.paras else self.line_end)


@dataclass
class Structure:
    roots: list[Node]
    nodes: list[Node]  # every node in document order, box items included
    boxes: list[Box]
    body_end_line: int
    warnings: list[dict[str, Any]]


def _heading_only(content: str) -> bool:
    body = content.rstrip("。.;；:： ")
    return "。" not in body and len(body) <= 40


def _make_title(
    text: str, start: int, end: int, units_span: tuple[int, int] | None
) -> tuple[str, tuple[int, int]]:
    seg_end = end
    if units_span and start <= units_span[0] <= end:
        seg_end = units_span[0]
    seg = text[start:seg_end]
    cut = len(seg)
    for i, ch in enumerate(seg):
        if ch in "。！？!?":
            cut = i
            break
    title = seg[:cut]
    stripped = title.rstrip(" 。.；;：:，,、\t")
    lead = len(stripped) - len(stripped.lstrip(" ：:、.．\t"))
    return stripped.strip(" ：:、.．\t"), (start + lead, start + len(stripped))


def _drop(nd: Node) -> None:
    nd.excluded = True
    for ch in nd.children:
        _drop(ch)


def _first_task_part(text: str, roots: list[Node]) -> int:
    """Index of the top-level part named for the tasks (主要任务, 具体措施, 工作内容): the
    numbered parts before it (goals, scope, products, organisation) hold none. 0 when there is
    none, or when it stands far into the document (重点任务分工 after the tasks)."""
    for i, r in enumerate(roots[:4]):
        first = r.paras[0] if r.paras else (r.start, r.line_end)
        title = _make_title(text, first[0], first[1], r.units_span)[0]
        if len(title) <= 16 and _TASK_PART.search(title):
            return i
    return 0


def build_structure(text: str, lines: list[str], offsets: list[int], skip: set[int]) -> Structure:
    warnings: list[dict[str, Any]] = []
    nodes: list[Node] = []
    roots: list[Node] = []
    boxes: list[Box] = []
    stack: list[Node] = []
    last_seen: dict[str, int] = {}
    seen_label = False
    box: Box | None = None
    current: Node | None = None
    body_end = len(lines)

    def expect(style: str) -> int | None:
        for nd in stack:
            if nd.label.style == style:
                return nd.label.value + 1
        return None

    def attach(node: Node, s: int, e: int) -> None:
        node.paras.append((s, e))
        grp = find_unit_group(text[s:e])
        if grp:
            inner = text[s + grp[0] + 1 : s + grp[1] - 1]
            units = parse_units(inner)
            if units:
                node.units = units
                node.units_span = (s + grp[0], s + grp[1])
                node.closed = True
                return
        lab = find_unit_label(text[s:e])
        if lab:
            units = parse_units(text[s + lab[0] : s + lab[1]])
            if units:
                node.units = units
                node.units_span = (s + lab[0], s + lab[1])
                node.closed = True

    for li, line in enumerate(lines):
        if li in skip:
            current = None
            continue
        if not line.strip():
            continue
        s, e = offsets[li], offsets[li] + len(line)
        if seen_label and _END.match(line) and len(line.strip()) <= 80:
            body_end = li
            break
        bm = _BOX.match(line)
        if bm and len(line.strip()) <= 60:
            cands = stack[:-1] if stack and not stack[-1].children else stack[:]
            anchor = cands[1] if len(cands) >= 2 else (cands[0] if cands else None)
            n = bm.group("n") or str(len(boxes) + 1)
            num = str(cn_to_int(n) if not n.isdigit() else int(n))
            box = Box("专栏" + num, bm.group("title").strip(), anchor, s)
            boxes.append(box)
            current = None
            continue
        lab = parse_label(line)
        if lab is not None:
            content = line[lab.content :]
            in_box = False
            if box is not None:
                me = expect(lab.style)
                if box.style is None:
                    in_box = not (me is not None and lab.value == me and _heading_only(content))
                elif lab.style == box.style and lab.value == box.last + 1:
                    in_box = not (me == lab.value and _heading_only(content) and box.with_body)
                if not in_box:
                    box = None
            if in_box and box is not None:
                node = Node(lab, li, s, e, parent=box.anchor, box=box)
                box.style = box.style or lab.style
                box.last = lab.value
                box.with_body = box.with_body or not _heading_only(content)
                box.items.append(node)
                nodes.append(node)
                attach(node, s + lab.content, e)
                current = node
                seen_label = True
                continue
            styles = [nd.label.style for nd in stack]
            if lab.style in styles:
                k = styles.index(lab.style)
                cur = stack[k]
                if lab.value <= cur.label.value and lab.value != 1:
                    lab = None  # a number at the start of prose, not a heading
                else:
                    if lab.value > cur.label.value + 3:
                        warnings.append(
                            {
                                "code": "numbering_gap",
                                "message": f"编号不连续：{cur.label.text} 之后是 {lab.text}",
                                "span": [s, e],
                            }
                        )
                    del stack[k:]
            elif lab.value != 1 and lab.value != last_seen.get(lab.style, -9) + 1:
                # A new level starts at 1 or runs on from the last number of its style; anything
                # else is an enumeration inside a sentence that a line break put first.
                lab = None
            elif stack and _RANK.get(lab.style, 9) < min(_RANK.get(x, 9) for x in styles):
                stack.clear()
            if lab is not None:
                parent = stack[-1] if stack else None
                node = Node(lab, li, s, e, parent=parent)
                siblings = roots if parent is None else parent.children
                same = [x for x in siblings if x.label.style == lab.style]
                if same:
                    # Numbering that restarts (lists under unnumbered sub-heads) starts a new
                    # run, so no two items share a code.
                    node.run = same[-1].run + (1 if lab.value <= same[-1].label.value else 0)
                siblings.append(node)
                stack.append(node)
                last_seen[lab.style] = lab.value
                nodes.append(node)
                attach(node, s + lab.content, e)
                current = node
                seen_label = True
                continue
        if current is not None and not current.closed:
            attach(current, s, e)

    # Titles, codes, exclusion, kinds.
    def walk(nd: Node, excluded: bool, prefix: str, depth: int = 0, in_tasks: bool = False) -> None:
        own = nd.label.text if nd.run == 1 else f"{nd.label.text}#{nd.run}"
        nd.code = f"{prefix}.{own}" if prefix else own
        first = nd.paras[0] if nd.paras else (nd.start, nd.line_end)
        nd.title, nd.title_span = _make_title(text, first[0], first[1], nd.units_span)
        # Only headings name a part; a task titled 落实党组织领导下的院长负责制 is still a task.
        heading = depth == 0 or bool(nd.children) or nd.label.style.startswith("zh:")
        # Inside a part named for the tasks, 强化组织保障 is one more task heading, not a part.
        nd.excluded = excluded or bool(
            heading
            and not in_tasks
            and len(nd.title) <= 16
            and EXCLUDE_TITLE.search(nd.title)
            and not _TASKY.search(nd.title)
        )
        tasks_below = in_tasks or bool(len(nd.title) <= 16 and _TASK_PART.search(nd.title))
        for ch in nd.children:
            walk(ch, nd.excluded, nd.code, depth + 1, tasks_below)
        nd.kind = "section" if nd.children else "task"

    last_run = max((r.run for r in roots), default=1)
    if last_run > 1:
        # The numbering starts again at the top: a notice's own points, then the plan it
        # carries. The plan is the document; the notice's points are not items.
        for r in roots:
            if r.run < last_run:
                _drop(r)
        roots = [r for r in roots if r.run == last_run]
        for r in roots:
            r.run = 1
    first_task_part = _first_task_part(text, roots)
    for i, r in enumerate(roots):
        walk(r, i < first_task_part, "")
    for b in boxes:
        prefix = (b.anchor.code + "." if b.anchor else "") + b.number
        for it in b.items:
            first = it.paras[0] if it.paras else (it.start, it.line_end)
            it.title, it.title_span = _make_title(text, first[0], first[1], it.units_span)
            it.code = f"{prefix}.{it.label.text}"
            it.excluded = bool(b.anchor.excluded) if b.anchor else False
            it.kind = "project"
    return Structure(roots, nodes, boxes, body_end, warnings)
