"""PDF with a text layer. No PDF writer is installed, so the test writes a minimal PDF itself
with the standard CJK font STSong-Light (UniGB-UCS2-H, not embedded, which text extraction
decodes through the predefined CMap). If that cannot be read back, the test skips."""

from __future__ import annotations

import pytest
from _seeds import json_of

from dudao_importer import UnsupportedDocument, parse_bytes


def make_pdf(lines: list[str]) -> bytes:
    content = ["BT", "/F1 10 Tf", "12 TL", "40 800 Td"]
    for ln in lines:
        hexs = ln.encode("utf-16-be").hex().upper()
        content.append(f"<{hexs}> Tj T*")
    content.append("ET")
    stream = "\n".join(content).encode("ascii")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


LINES = [
    "某县卫生健康服务能力提升方案",
    "一、重点任务",
    "（一）完善疾控体系。到2025年底，疫苗接种率保持在90%以上。（县卫健委、县财政局）",
    "（二）加强人才建设。2024年6月底前完成招聘。（县人社局牵头，县卫健委配合）",
]


def test_pdf_text_layer() -> None:
    data = make_pdf(LINES)
    try:
        out = json_of(parse_bytes(data, "plan.pdf"))
    except UnsupportedDocument as exc:
        pytest.skip(f"PDF text extraction unavailable for the hand-made font: {exc}")
    if "完善疾控体系" not in out["text"]:
        pytest.skip("the PDF reader could not decode the standard CJK font")
    tasks = {i["code"]: i for i in out["items"] if i["kind"] == "task"}
    assert set(tasks) == {"一.(一)", "一.(二)"}
    assert tasks["一.(一)"]["deadlines"] == ["2025-12-31"]
    assert tasks["一.(二)"]["deadlines"] == ["2024-06-30"]
    assert tasks["一.(二)"]["units"][0] == {"name": "县人社局", "role": "lead"}
    assert any(t["value"] == 90 and t["comparator"] == ">=" for t in out["targets"])


def test_pdf_without_text_is_unsupported() -> None:
    data = make_pdf([])
    with pytest.raises(UnsupportedDocument):
        parse_bytes(data, "scan.pdf")
