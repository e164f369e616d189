"""Hostile documents built in memory: small on the wire, huge inside."""

from __future__ import annotations

import functools
import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_HEAD = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
_TAIL = b"</w:body></w:document>"


def _docx(document_xml: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", document_xml)
    return buf.getvalue()


@functools.cache
def many_paragraphs_docx(n: int = 2_000_000) -> bytes:
    """A .docx of ``n`` one-character paragraphs (a few hundred KB zipped)."""
    return _docx(_HEAD + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * n + _TAIL)


@functools.cache
def zip_bomb_docx(unpacked: int = 100 * 1024 * 1024) -> bytes:
    """A .docx whose document part inflates to ``unpacked`` bytes of blanks."""
    return _docx(_HEAD + b" " * unpacked + _TAIL)


@functools.cache
def many_pages_pdf(pages: int = 5_000) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()
