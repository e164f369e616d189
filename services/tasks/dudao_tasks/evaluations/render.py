"""An evaluation as a workbook (a sheet per part, like the tables a county sends upward) and as
an A4 PDF (cover, tables, charts) with its Chinese fonts embedded.

The PDF is HTML from a Jinja2 template laid out by WeasyPrint, which embeds the subset of each
font it uses (Debian's fonts-noto-cjk); the charts are SVG drawn by matplotlib with their text
left as text, so the PDF's words stay searchable."""

from __future__ import annotations

import base64
import io
import logging
from typing import Any

from dudao_shared.xlsx import Column, Row, Table, write_workbook

from .schemas import (
    INDICATOR_STATUS_ZH,
    INDICATOR_STATUSES,
    NATURE_ZH,
    OUTCOME_ZH,
    OUTCOMES,
    EvaluationData,
)
from .service import _env

log = logging.getLogger("dudao.evaluations")

CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei", "DejaVu Sans"]
OUTCOME_COLOURS = {
    "on_time": "#4caf50",
    "late": "#8bc34a",
    "returned": "#ff9800",
    "overdue": "#e53935",
    "not_started": "#9e9e9e",
    "in_progress": "#2196f3",
}
STATUS_FILL = {
    "achieved": "C6EFCE",
    "on_track": "C6EFCE",
    "moderately_off_track": "FFEB9C",
    "off_track": "FFC7CE",
    "regressing": "FFC7CE",
    "not_achieved": "FFC7CE",
}
# The unit ranking chart shows this many units at most (the table lists them all).
CHART_UNITS = 30


def _counts_cells(row: Any) -> list[Any]:
    return [row.total, *(getattr(row, k) for k in OUTCOMES)]


COUNT_COLUMNS = [
    Column("任务数", 8, "center"),
    *(Column(OUTCOME_ZH[k], 9, "center") for k in OUTCOMES),
]


def workbook(title: str, kind_label: str, data: EvaluationData, narrative: str) -> bytes:
    header = f"{title}（{data.region_name}）"
    total = data.tasks
    tables = [
        Table(
            "总体情况",
            [Column("项目", 20), *COUNT_COLUMNS],
            [["全部任务", *_counts_cells(total)]],
            title=header,
            page_header=title,
        ),
        Table(
            "分章节",
            [Column("章节", 40), *COUNT_COLUMNS],
            [[f"{s.code} {s.title}".strip(), *_counts_cells(s)] for s in data.sections],
            title=f"{kind_label}：任务完成情况（分章节）",
            page_header=title,
        ),
        Table(
            "责任单位",
            [
                Column("名次", 6, "center"),
                Column("责任单位", 30),
                Column("牵头", 6, "center"),
                *COUNT_COLUMNS,
                Column("得分", 8, "center"),
            ],
            [
                [
                    u.rank or "—",
                    u.name,
                    u.lead,
                    *_counts_cells(u),
                    u.score if u.score is not None else "—",
                ]
                for u in data.units
            ],
            title=f"{kind_label}：责任单位任务完成情况及排名",
            page_header=title,
        ),
        Table(
            "主要指标",
            [
                Column("性质", 8, "center"),
                Column("序号", 6, "center"),
                Column("指标", 34),
                Column("计量单位", 8, "center"),
                Column("基期值", 9, "center"),
                Column("目标值", 14, "center"),
                Column("最新值", 9, "center"),
                Column("统计期", 8, "center"),
                Column("评估状态", 10, "center"),
                Column("原因", 50),
            ],
            [
                Row(
                    [
                        NATURE_ZH.get(r.nature, r.nature),
                        r.seq or "",
                        r.name,
                        r.measure_unit or "",
                        r.baseline or "—",
                        r.target or "—",
                        r.latest_value or "—",
                        r.latest_period or "—",
                        INDICATOR_STATUS_ZH.get(r.status, r.status),
                        "；".join(r.reasons),
                    ],
                    fills={8: STATUS_FILL[r.status]} if r.status in STATUS_FILL else {},
                )
                for r in data.indicators
            ],
            title=f"{kind_label}：主要指标完成情况",
            merge_runs=[0],
            page_header=title,
        ),
        Table(
            "指标状态",
            [
                Column("指标性质", 10, "center"),
                Column("指标数", 8, "center"),
                *(Column(INDICATOR_STATUS_ZH[s], 10, "center") for s in INDICATOR_STATUSES),
            ],
            [
                [
                    NATURE_ZH.get(n.nature, n.nature),
                    n.total,
                    *(n.counts.get(s, 0) for s in INDICATOR_STATUSES),
                ]
                for n in data.indicator_counts
            ],
            title=f"{kind_label}：指标状态分布（按性质）",
            page_header=title,
        ),
        Table(
            "区划排名",
            [
                Column("名次", 6, "center"),
                Column("区划", 16),
                Column("参评指标", 9, "center"),
                *(Column(INDICATOR_STATUS_ZH[s], 10, "center") for s in INDICATOR_STATUSES),
                Column("得分", 8, "center"),
            ],
            [
                [
                    r.rank or "—",
                    r.name,
                    r.assessed,
                    *(r.counts.get(s, 0) for s in INDICATOR_STATUSES),
                    r.score if r.score is not None else "—",
                ]
                for r in data.regions
            ],
            title=f"{kind_label}：各区划指标得分及排名",
            page_header=title,
        ),
    ]
    if data.comparison is not None:
        c = data.comparison
        tables.append(
            Table(
                "与上次比较",
                [Column("项目", 20), Column("变化（本次−上次）", 18, "center")],
                [Row([OUTCOME_ZH.get(k, "任务数"), v]) for k, v in c.tasks.items()]
                + [Row([f"指标：{INDICATOR_STATUS_ZH[k]}", v]) for k, v in c.indicators.items()],
                title=f"与上次评估比较（{c.previous_title}，{c.previous_as_of.isoformat()}）",
                page_header=title,
            )
        )
    tables.append(
        Table(
            "评估报告",
            [Column("正文", 110)],
            [[p] for p in narrative.split("\n") if p.strip()],
            title=title,
            page_header=title,
            landscape=False,
        )
    )
    return write_workbook(tables)


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue().encode()).decode()


def _register_cjk_fonts() -> None:
    """Make the CJK fonts known to matplotlib even when its font cache was written before they
    were installed (matplotlib rebuilds the cache only when its own version changes): without
    them it measures Chinese labels in DejaVu Sans, which has no such glyphs, and lays the
    charts out wrongly."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    if any(name in known for name in CJK_FONTS[:-1]):
        return
    for path in font_manager.findSystemFonts():
        if "NotoSansCJK" in path or "wqy-microhei" in path:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError) as exc:  # one unreadable file
                log.warning("font not registered: %s (%s)", path, exc)


def charts(data: EvaluationData) -> dict[str, str]:
    """The report's charts as SVG data URLs: task outcomes, indicator statuses, the unit
    ranking, and each trajectory against its target."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    _register_cjk_fonts()
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": CJK_FONTS,
            # Text stays text in the SVG: WeasyPrint sets it in the embedded CJK font.
            "svg.fonttype": "none",
            "axes.unicode_minus": False,
            "font.size": 9,
        }
    )
    out: dict[str, str] = {}
    try:
        fig, ax = plt.subplots(figsize=(6.5, 2.6))
        values = [getattr(data.tasks, k) for k in OUTCOMES]
        ax.barh(
            [OUTCOME_ZH[k] for k in OUTCOMES], values, color=[OUTCOME_COLOURS[k] for k in OUTCOMES]
        )
        ax.invert_yaxis()
        for y, v in enumerate(values):
            ax.text(v, y, f" {v}", va="center")
        ax.set_title("任务完成情况分布")
        out["tasks"] = _svg(fig)
        plt.close(fig)

        if data.indicators:
            fig, ax = plt.subplots(figsize=(6.5, 2.8))
            left = [0] * len(data.indicator_counts)
            labels = [NATURE_ZH.get(n.nature, n.nature) for n in data.indicator_counts]
            palette = ["#4caf50", "#8bc34a", "#ffc107", "#ff7043", "#e53935", "#b71c1c", "#bdbdbd"]
            for s, colour in zip(INDICATOR_STATUSES, palette, strict=True):
                vals = [n.counts.get(s, 0) for n in data.indicator_counts]
                ax.barh(labels, vals, left=left, color=colour, label=INDICATOR_STATUS_ZH[s])
                left = [a + b for a, b in zip(left, vals, strict=True)]
            ax.invert_yaxis()
            ax.legend(ncol=4, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15))
            ax.set_title("指标状态分布（按性质）")
            out["indicators"] = _svg(fig)
            plt.close(fig)

        ranked = [u for u in data.units if u.score is not None][:CHART_UNITS]
        if ranked:
            fig, ax = plt.subplots(figsize=(6.5, 0.8 + 0.28 * len(ranked)))
            ax.barh([u.name for u in ranked], [u.score or 0 for u in ranked], color="#1976d2")
            ax.invert_yaxis()
            ax.set_xlim(0, 100)
            ax.set_title("责任单位得分排名")
            out["units"] = _svg(fig)
            plt.close(fig)

        for n, t in enumerate(data.trajectories):
            fig, ax = plt.subplots(figsize=(6.5, 2.4))
            if t.trajectory:
                ax.plot(
                    [y for y, _ in t.trajectory],
                    [v for _, v in t.trajectory],
                    "--",
                    color="#9e9e9e",
                    label="预期轨迹",
                )
            if t.points:
                ax.plot(
                    [p[0] for p in t.points],
                    [p[1] for p in t.points],
                    "o-",
                    color="#1976d2",
                    label="监测值",
                )
            if t.target_value is not None and t.target_year is not None:
                ax.plot([t.target_year], [t.target_value], "r*", markersize=10, label="目标")
            ax.set_title(f"{t.name}（{t.measure_unit or ''}）")
            ax.legend(fontsize=7)
            out[f"trajectory{n}"] = _svg(fig)
            plt.close(fig)
    finally:
        plt.close("all")
    return out


def html(ev: Any, data: EvaluationData, narrative: str, drawn: dict[str, str]) -> str:
    """The report as HTML for WeasyPrint, with the charts already drawn (``charts``)."""
    return _env.get_template("evaluation.html.j2").render(
        ev=ev,
        d=data,
        narrative=[p for p in narrative.split("\n") if p.strip()],
        charts=drawn,
        outcomes=OUTCOMES,
        outcome_zh=OUTCOME_ZH,
        statuses=INDICATOR_STATUSES,
        status_zh=INDICATOR_STATUS_ZH,
        nature_zh=NATURE_ZH,
        fonts=", ".join(f'"{f}"' for f in CJK_FONTS),
    )


def layout(page: str) -> bytes:
    """The HTML laid out as an A4 PDF, the fonts' used glyphs embedded."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    # WeasyPrint narrates every layout step at INFO; the service log keeps its warnings only.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    result: bytes = HTML(string=page).write_pdf()
    return result
