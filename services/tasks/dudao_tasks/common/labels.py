"""Item labels as the parsed-plan spec writes them: 二, (一), 1, (1), 专栏1."""

from __future__ import annotations

_PARENS = str.maketrans({"（": "(", "）": ")", "〔": "(", "〕": ")", "．": ".", "　": " "})


def normalize_label(raw: str) -> str:
    label = raw.translate(_PARENS).strip().rstrip("、.").strip()
    if not label or "." in label:
        raise ValueError("编号不能为空，且不能包含“.”（“.”用于连接上级编号）")
    return label


def split_code(code: str) -> tuple[str | None, str]:
    """``二.(一).1`` → (``二.(一)``, ``1``)."""
    if "." in code:
        parent, label = code.rsplit(".", 1)
        return parent, label
    return None, code
