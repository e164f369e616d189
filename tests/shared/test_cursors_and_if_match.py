"""The shared library's API conventions: cursors and If-Match (tokens, auth and middleware are
tested beside their modules in ``tests/shared``)."""

from __future__ import annotations

import pytest

from dudao_shared.errors import PreconditionFailed, PreconditionRequired, ValidationFailed
from dudao_shared.pagination import decode_cursor, encode_cursor
from dudao_shared.versioning import parse_if_match as expected_version


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor({"k": "二.(一)", "id": "x"})) == {"k": "二.(一)", "id": "x"}
    with pytest.raises(ValidationFailed):
        decode_cursor("%%%not-base64")


def test_if_match_parsing() -> None:
    assert expected_version('"3"') == 3
    assert expected_version('W/"4"') == 4
    with pytest.raises(PreconditionRequired):
        expected_version(None)
    with pytest.raises(PreconditionFailed):
        expected_version('"abc"')
