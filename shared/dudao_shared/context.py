"""What a request carries: the request id and the caller's bearer token (context variables that
follow it across awaits), and the typed way to reach the app's state from a dependency."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Generic, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
bearer_var: ContextVar[str | None] = ContextVar("bearer", default=None)

T = TypeVar("T")


class AppState(Generic[T]):
    """One piece of the app's state, typed. A module declares it once::

        get_storage = AppState("storage", Storage)
        StorageDep = Annotated[Storage, Depends(get_storage)]

    Start-up code sets it with ``get_storage.set(app, storage)``; routes and loaders take
    ``storage: StorageDep`` (the instance is the dependency) and other code reads
    ``get_storage.of(app)`` — never ``request.app.state`` by a string name and an unchecked
    type at each use.
    """

    def __init__(self, name: str, kind: type[T]) -> None:
        self.name = name
        self.kind = kind

    def of(self, app: Starlette) -> T:
        value = getattr(app.state, self.name, None)
        if not isinstance(value, self.kind):
            # A wiring mistake (state not set at start-up), never a client's fault.
            raise RuntimeError(
                f"app.state.{self.name} is {type(value).__name__}, not {self.kind.__name__}"
            )
        return value

    def find(self, app: Starlette) -> T | None:
        """The value, or None when the app was started without it (an optional upstream)."""
        value = getattr(app.state, self.name, None)
        return value if isinstance(value, self.kind) else None

    def set(self, app: Starlette, value: T) -> T:
        setattr(app.state, self.name, value)
        return value

    # A coroutine function on purpose: FastAPI runs a plain ``def`` dependency in its thread
    # pool, a hand-off per request that costs far more than this attribute lookup.
    async def __call__(self, request: Request) -> T:
        return self.of(request.app)
