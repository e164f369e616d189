"""Typed app state: one declaration, set at start-up, handed to routes as a dependency."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.requests import Request

from dudao_shared.auth import RevocationList
from dudao_shared.context import AppState

get_list = AppState("revocations", RevocationList)
ListDep = Annotated[RevocationList, Depends(get_list)]


async def test_state_is_set_read_and_injected_by_one_declaration() -> None:
    app = FastAPI()
    revocations = get_list.set(app, RevocationList())
    assert get_list.of(app) is revocations
    assert await get_list(Request({"type": "http", "app": app, "headers": []})) is revocations

    @app.get("/")
    async def read(injected: ListDep) -> dict[str, bool]:
        return {"same": injected is revocations}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/")).json() == {"same": True}


def test_miswired_state_fails_loudly() -> None:
    app = FastAPI()
    with pytest.raises(RuntimeError, match="revocations is NoneType"):
        get_list.of(app)
    app.state.revocations = "not a list"
    with pytest.raises(RuntimeError, match="revocations is str, not RevocationList"):
        get_list.of(app)
