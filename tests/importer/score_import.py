#!/usr/bin/env python3
"""Score parsed-plan JSON files against hand-made gold files.

Usage:
  score_import.py GOLD_DIR PRED_DIR [--json]

Each gold file GOLD_DIR/NAME.json is compared with PRED_DIR/NAME.json (the importer's
output for the same document, in the form of spec/parsed-plan.md). A missing or
unreadable prediction scores zero for that document. Prints one table per figure and
an overall line; --json prints the figures as JSON instead.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path


def norm(s: object) -> str:
    """Compare text loosely: NFKC, no white space, unified brackets and dashes."""
    if s is None:
        return ""
    t = unicodedata.normalize("NFKC", str(s))
    t = re.sub(r"[〔【\[]", "(", t)
    t = re.sub(r"[〕】\]]", ")", t)
    t = re.sub(r"[—–－~～]", "-", t)
    t = re.sub(r"\s+", "", t)
    return t.rstrip("。；;")


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else (1.0 if n_gold == 0 else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def num(v: object) -> float | None:
    try:
        return None if v is None else round(float(v), 6)
    except (TypeError, ValueError):
        return None


class Tally:
    def __init__(self) -> None:
        self.tp = self.pred = self.gold = 0

    def add(self, pred: set | Counter, gold: set | Counter) -> None:
        if isinstance(pred, Counter) or isinstance(gold, Counter):
            p, g = Counter(pred), Counter(gold)
            self.tp += sum((p & g).values())
            self.pred += sum(p.values())
            self.gold += sum(g.values())
            return
        self.tp += len(pred & gold)
        self.pred += len(pred)
        self.gold += len(gold)

    def f1(self) -> tuple[float, float, float]:
        return prf(self.tp, self.pred, self.gold)


def items_of(doc: dict, kind: str) -> dict[str, dict]:
    return {norm(i.get("code")): i for i in doc.get("items") or [] if i.get("kind") == kind}


def repeats(doc: dict, kind: str) -> set[str]:
    """Extra occurrences of an item code: each one counts as a wrong prediction, so that a parser
    which emits the same code twice cannot hide the second item behind the first."""
    seen: Counter = Counter(
        norm(i.get("code")) for i in doc.get("items") or [] if i.get("kind") == kind
    )
    return {f"dup:{c}:{k}" for c, n in seen.items() for k in range(1, n)}


def score(gold_dir: Path, pred_dir: Path) -> dict:
    t = {
        k: Tally()
        for k in (
            "sections",
            "tasks",
            "projects",
            "task_titles",
            "units",
            "deadlines",
            "indicators",
            "indicator_fields",
            "targets",
            "key_list",
            "key_list_units",
            "document",
        )
    }
    lead_ok = lead_n = 0
    per_doc = {}
    for gp in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gp.read_text(encoding="utf-8"))
        pp = pred_dir / gp.name
        try:
            pred = json.loads(pp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pred = {}
        doc_t = Tally()

        gm, pm = gold.get("document") or {}, pred.get("document") or {}
        for f in ("title", "doc_number", "issuer", "issued_on"):
            gv = gm.get(f)
            gs = {norm(v) for v in gv} if isinstance(gv, list) else {norm(gv)}
            gs.discard("")
            pv = pm.get(f)
            ps = {norm(v) for v in pv} if isinstance(pv, list) else {norm(pv)}
            ps.discard("")
            t["document"].add(
                {f} if ps & gs else ({f"x{f}"} if ps else set()), {f} if gs else set()
            )
        for f in ("start", "end"):
            g, p = (gm.get("period") or {}).get(f), (pm.get("period") or {}).get(f)
            t["document"].add(
                {f} if p is not None and p == g else ({f"x{f}"} if p is not None else set()),
                {f} if g is not None else set(),
            )

        for kind, key in (("section", "sections"), ("project", "projects")):
            g, p = items_of(gold, kind), items_of(pred, kind)
            t[key].add(set(p) | repeats(pred, kind), set(g))

        gt, pt = items_of(gold, "task"), items_of(pred, "task")
        t["tasks"].add(set(pt) | repeats(pred, "task"), set(gt))
        doc_t.add(set(pt) | repeats(pred, "task"), set(gt))
        # Titles, units and deadlines count over every task on both sides, so a missed
        # or invented task costs here too.
        t["task_titles"].add(
            {(c, norm(p.get("title"))) for c, p in pt.items()} | repeats(pred, "task"),
            {(c, norm(g.get("title"))) for c, g in gt.items()},
        )
        t["units"].add(
            {(c, norm(u.get("name"))) for c, p in pt.items() for u in p.get("units") or []},
            {(c, norm(u["name"])) for c, g in gt.items() for u in g.get("units") or []},
        )
        t["deadlines"].add(
            {(c, d) for c, p in pt.items() for d in p.get("deadlines") or []},
            {(c, d) for c, g in gt.items() for d in g.get("deadlines") or []},
        )
        for code, g in gt.items():
            gl = {norm(u["name"]) for u in g.get("units") or [] if u.get("role") == "lead"}
            if gl:
                lead_n += 1
                pl = {
                    norm(u.get("name"))
                    for u in (pt.get(code) or {}).get("units") or []
                    if u.get("role") == "lead"
                }
                lead_ok += gl == pl

        fields = ("baseline", "target_value", "comparator", "kind", "nature", "domain", "unit")
        gi = {norm(i["name"]): i for i in gold.get("indicators") or []}
        pi = {norm(i.get("name")): i for i in pred.get("indicators") or []}
        t["indicators"].add(set(pi), set(gi))
        right = set()
        for name in set(gi) & set(pi):
            g, p = gi[name], pi[name]
            gtg, ptg = g.get("target") or {}, p.get("target") or {}
            checks = {
                "baseline": num((g.get("baseline") or {}).get("value"))
                == num((p.get("baseline") or {}).get("value")),
                "target_value": num(gtg.get("value")) == num(ptg.get("value")),
                "comparator": gtg.get("comparator") == ptg.get("comparator"),
                "kind": gtg.get("kind") == ptg.get("kind"),
                "nature": norm(g.get("nature")) == norm(p.get("nature")),
                "domain": norm(g.get("domain")) == norm(p.get("domain")),
                "unit": norm(g.get("unit")) == norm(p.get("unit")),
            }
            right |= {(name, k) for k, ok in checks.items() if ok}
        t["indicator_fields"].add(
            right | {(n, "x" + k) for n in pi for k in fields if (n, k) not in right},
            {(n, k) for n in gi for k in fields},
        )

        def target_key(x: dict) -> tuple:
            return (norm(x.get("item")), num(x.get("value")), x.get("comparator"), x.get("year"))

        t["targets"].add(
            Counter(target_key(x) for x in pred.get("targets") or []),
            Counter(target_key(x) for x in gold.get("targets") or []),
        )

        gk = {norm(r.get("no")): r for r in gold.get("key_list") or []}
        pk = {norm(r.get("no")): r for r in pred.get("key_list") or []}
        t["key_list"].add(
            {n for n in pk if n in gk and norm(pk[n].get("title")) == norm(gk[n].get("title"))}
            | {
                "x" + n
                for n in pk
                if n not in gk or norm(pk[n].get("title")) != norm(gk[n].get("title"))
            },
            set(gk),
        )
        for n in set(gk) & set(pk):
            t["key_list_units"].add(
                {(n, norm(u)) for u in pk[n].get("units") or []},
                {(n, norm(u)) for u in gk[n].get("units") or []},
            )
        per_doc[gp.stem] = round(doc_t.f1()[2], 4)

    out = {
        k: dict(zip(("precision", "recall", "f1"), (round(x, 4) for x in v.f1()), strict=True))
        for k, v in t.items()
    }
    out["lead_accuracy"] = round(lead_ok / lead_n, 4) if lead_n else 1.0
    out["task_f1_per_document"] = per_doc
    # A figure with nothing on either side (no indicator table in any document, say) says
    # nothing about the importer: leave it out of the overall mean.
    core = [
        out[k]["f1"]
        for k in (
            "tasks",
            "task_titles",
            "units",
            "deadlines",
            "indicators",
            "indicator_fields",
            "targets",
            "key_list",
            "document",
        )
        if t[k].pred or t[k].gold
    ]
    out["overall"] = round(sum(core) / len(core), 4)
    return out


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__)
        return 2
    out = score(Path(args[0]), Path(args[1]))
    if "--json" in argv:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"{'figure':<18}{'precision':>10}{'recall':>10}{'f1':>10}")
    for k, v in out.items():
        if isinstance(v, dict) and "f1" in v:
            print(f"{k:<18}{v['precision']:>10.3f}{v['recall']:>10.3f}{v['f1']:>10.3f}")
    print(f"lead_accuracy {out['lead_accuracy']:.3f}")
    print(
        "task f1 per document: "
        + ", ".join(f"{k[:3]}={v:.3f}" for k, v in out["task_f1_per_document"].items())
    )
    print(f"overall {out['overall']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
