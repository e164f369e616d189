"""A service's database setting: PostgreSQL only, and no silent default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dudao_tasks.config import Settings


def test_a_service_without_a_database_url_says_which_setting_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DUDAO_TASKS_DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="DUDAO_TASKS_DATABASE_URL must be set"):
        Settings(jwt_public_key="unused")


def test_only_postgresql_urls_are_accepted() -> None:
    with pytest.raises(ValidationError, match="not a PostgreSQL URL"):
        Settings(jwt_public_key="unused", database_url="mysql://u@h/db")
    url = "postgresql://postgres@/tasks?host=/srv/dudao/var/pg"
    assert Settings(jwt_public_key="unused", database_url=url).database_url == url
