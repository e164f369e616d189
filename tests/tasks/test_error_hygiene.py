"""Inputs that used to slip through or leak: a number as a date, a library's exception name."""

from __future__ import annotations

import re

import pytest
from harness import client_for

INTERNAL_NAME = re.compile(r"[A-Za-z]+(Error|Exception)\b")


@pytest.mark.parametrize("value", ["0", "1700000000", "2026-13-01", "20261207"])
async def test_dates_in_queries_are_yyyy_mm_dd_only(tasks, make_token, value: str) -> None:  # type: ignore[no-untyped-def]
    async with client_for(tasks, make_token("admin")) as c:
        for path, name in (
            ("/api/v1/assignments", "due_before"),
            ("/api/v1/assignments", "due_after"),
            ("/api/v1/units", "active_on"),
        ):
            r = await c.get(path, params={name: value})
            assert r.status_code == 422, (path, name, r.text)
            assert r.json()["errors"][0]["field"] == name
        assert (await c.get("/api/v1/assignments", params={"due_before": "2026-12-07"})).is_success


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("plan.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50),
        ("plan.docx", b"PK\x03\x04 not really a zip"),
    ],
)
async def test_unreadable_documents_name_no_internal_class(tasks, make_token, name, data) -> None:  # type: ignore[no-untyped-def]
    async with client_for(tasks, make_token("admin")) as c:
        r = await c.post("/api/v1/plans/import", files={"file": (name, data)})
    assert 400 <= r.status_code < 500, r.text
    assert not INTERNAL_NAME.search(r.text), r.text
