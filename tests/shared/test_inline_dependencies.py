"""Every dependency of every route runs on the event loop.

FastAPI hands a plain ``def`` dependency to its thread pool: a thread switch and a lock per
call, on every request that uses it — measured as a large part of a task read's CPU. Our
dependencies do no blocking work, so each is a coroutine function (or a generator for the
session)."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

# The login form is FastAPI's own class (instantiated in the pool); it is on the sign-in
# route only.
ALLOWED = {"OAuth2PasswordRequestForm"}


def _pooled(app: FastAPI) -> set[str]:
    found: set[str] = set()

    def visit(dep: Dependant, route: str) -> None:
        for sub in dep.dependencies:
            call = sub.call
            if call is not None:
                fn: Any = (
                    call if inspect.isroutine(call) or inspect.isclass(call) else call.__call__
                )
                inline = (
                    inspect.iscoroutinefunction(fn)
                    or inspect.isgeneratorfunction(fn)
                    or inspect.isasyncgenfunction(fn)
                )
                name = getattr(call, "__qualname__", type(call).__name__)
                if not inline and name not in ALLOWED:
                    found.add(f"{route}: {name}")
            visit(sub, route)

    def walk(routes: Any) -> None:
        for route in routes:
            nested = getattr(route, "original_router", None)
            if nested is not None:
                walk(nested.routes)
            elif isinstance(route, APIRoute):
                visit(route.dependant, f"{sorted(route.methods)} {route.path}")

    walk(app.routes)
    return found


def test_no_dependency_runs_in_the_thread_pool(tasks_app, indicators_app, gateway_app) -> None:  # type: ignore[no-untyped-def]
    pooled = _pooled(tasks_app) | _pooled(indicators_app) | _pooled(gateway_app.api)
    assert not pooled, sorted(pooled)
