"""Where evidence bytes live, behind one small interface (local directory by default)."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import uuid
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, Response

from dudao_shared.context import AppState
from dudao_shared.downloads import attachment

from ..config import Settings


async def stored_file(
    storage: Storage, *, key: str, filename: str, content_type: str, sha256: str, gone: Exception
) -> Response:
    """A stored evidence file as a download (``gone`` when its bytes are no longer there): never
    sniffed into something the browser would run, its ETag its content hash."""
    try:
        data = await storage.get(key)
    except (FileNotFoundError, ValueError):
        raise gone from None
    return Response(
        data,
        media_type=content_type,
        headers={
            **attachment(filename, fallback="file"),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{sha256}"',
        },
    )


class Storage(Protocol):
    async def put(self, data: bytes, *, suffix: str) -> str:
        """Store bytes; return the key to fetch them with."""
        ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        # Keys are ours, but a path must never leave the storage directory.
        if self.root not in path.parents:
            raise ValueError("invalid storage key")
        return path

    async def put(self, data: bytes, *, suffix: str) -> str:
        key = f"{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}{suffix}"
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)

        await asyncio.to_thread(write)
        return key

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


def build_storage(settings: Settings) -> LocalStorage:
    if settings.storage_backend == "local":
        return LocalStorage(settings.storage_dir)
    if settings.storage_backend == "s3":
        if importlib.util.find_spec("boto3") is None:
            raise RuntimeError(
                "DUDAO_TASKS_STORAGE_BACKEND=s3 needs boto3, which is not installed; "
                "install it and an S3 Storage implementation, or use storage_backend=local"
            )
        raise RuntimeError("S3 storage is not implemented yet; use storage_backend=local")
    raise RuntimeError(f"unknown DUDAO_TASKS_STORAGE_BACKEND={settings.storage_backend!r}")


# The only backend today; a second one would share a base class for this check to accept it.
get_storage = AppState("storage", LocalStorage)
StorageDep = Annotated[LocalStorage, Depends(get_storage)]
