"""Documents beyond the limits are refused before the expensive work, naming the limit; a parse
that runs too long is stopped."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from _bombs import many_pages_pdf, many_paragraphs_docx, zip_bomb_docx
from _seeds import seed_texts

from dudao_importer import DocumentTooLarge, Limits, ParseTimeLimit, parse_bytes, parse_isolated


def _paragraphs() -> bytes:
    return many_paragraphs_docx(150_000)


@pytest.mark.parametrize(
    ("make", "name", "limits"),
    [
        # Two million paragraphs also inflate beyond the unpacked size: either refuses it.
        (many_paragraphs_docx, "plan.docx", {"max_paragraphs", "max_unpacked_bytes"}),
        (_paragraphs, "plan.docx", {"max_paragraphs"}),
        (zip_bomb_docx, "plan.docx", {"max_unpacked_bytes"}),
        (many_pages_pdf, "plan.pdf", {"max_pages"}),
    ],
)
def test_oversized_documents_are_refused_quickly(
    make: Callable[[], bytes], name: str, limits: set[str]
) -> None:
    data = make()
    started = time.process_time()
    with pytest.raises(DocumentTooLarge) as caught:
        parse_bytes(data, name)
    limit = caught.value.limit
    assert limit in limits
    assert caught.value.found > caught.value.allowed
    assert limit in str(caught.value)
    # Refused on a count, not after building the document.
    assert time.process_time() - started < 1.0


def test_text_beyond_the_character_limit_is_refused() -> None:
    text = next(iter(seed_texts().values()))
    with pytest.raises(DocumentTooLarge) as caught:
        parse_bytes(text.encode(), "plan.txt", limits=Limits(max_characters=len(text) // 2))
    assert caught.value.limit == "max_characters"


def test_isolated_parse_matches_in_process() -> None:
    name, text = next(iter(seed_texts().items()))
    data = text.encode()
    assert (
        parse_isolated(data, f"{name}.txt").to_json() == parse_bytes(data, f"{name}.txt").to_json()
    )


def test_isolated_parse_reports_limits_from_the_child() -> None:
    with pytest.raises(DocumentTooLarge) as caught:
        parse_isolated(many_pages_pdf(), "plan.pdf")
    assert caught.value.limit == "max_pages"


def test_isolated_parse_stops_at_the_cpu_limit() -> None:
    # Within every size limit, but python-docx needs seconds to build 95,000 paragraphs; the
    # child may use one CPU second.
    data = many_paragraphs_docx(95_000)
    with pytest.raises(ParseTimeLimit) as caught:
        parse_isolated(data, "plan.docx", limits=Limits(cpu_seconds=1))
    assert caught.value.limit == "cpu_seconds"
