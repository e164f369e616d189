"""The import route parses off the event loop, in a child process with limits: a document
beyond a limit is a 413 naming it, and other requests keep being answered meanwhile."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from harness import client_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "importer"))
from _bombs import many_pages_pdf, many_paragraphs_docx, zip_bomb_docx  # noqa: E402

ROUTE = "/api/v1/plans/import"


@pytest.mark.parametrize(
    ("make", "name", "limits"),
    [
        (many_paragraphs_docx, "plan.docx", {"max_paragraphs", "max_unpacked_bytes"}),
        (zip_bomb_docx, "plan.docx", {"max_unpacked_bytes"}),
        (many_pages_pdf, "plan.pdf", {"max_pages"}),
    ],
)
async def test_oversized_upload_is_413_naming_the_limit(
    tasks, make_token, make, name, limits
) -> None:  # type: ignore[no-untyped-def]
    data = make()
    async with client_for(tasks, make_token("admin"), timeout=30) as c:
        started = time.perf_counter()
        r = await c.post(ROUTE, files={"file": (name, data)})
        elapsed = time.perf_counter() - started
    assert r.status_code == 413, r.text
    body = r.json()
    assert body["code"] == "document_too_large"
    assert body["errors"][0]["field"] == "file"
    assert body["errors"][0]["message"].split(":")[0] in limits
    assert elapsed < 2.0, elapsed


async def test_other_requests_are_answered_while_a_document_parses(tasks, make_token) -> None:  # type: ignore[no-untyped-def]
    # Legal but slow: python-docx needs seconds for 95,000 paragraphs.
    data = many_paragraphs_docx(95_000)
    async with client_for(tasks, make_token("admin"), timeout=60) as c:
        importing = asyncio.create_task(c.post(ROUTE, files={"file": ("plan.docx", data)}))
        waits: list[float] = []
        while not importing.done():
            started = time.perf_counter()
            r = await c.get("/healthz")
            waits.append(time.perf_counter() - started)
            assert r.status_code == 200
            # /healthz never awaits, so hand the loop to the import in between (no sleeping).
            await asyncio.sleep(0)
        r = await importing
    assert r.status_code in (200, 422), r.text
    assert len(waits) >= 5, waits
    # Parsing on the event loop would hold these for the whole parse (seconds).
    assert max(waits) < 0.5, max(waits)
